/** What a worker sends the primary after the admin API reloaded the clients file: the primary has every other worker reload too (cluster.ts). */
export const RELOAD_CLIENTS = 'portico:reload-clients';
