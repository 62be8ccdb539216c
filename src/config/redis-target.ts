import { ConfigError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Where Redis is: a URL, the seed nodes of a Redis Cluster, or the Sentinels watching a primary. */
export type RedisTarget =
  | { kind: 'url'; url: string }
  | { kind: 'cluster'; nodes: HostPort[]; password?: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; password?: string; sentinelPassword?: string };

/** The Redis variables of the environment, as parseEnv validated them (strings, unset = undefined). */
export interface RedisVariables {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
  REDIS_PASSWORD?: string;
  REDIS_SENTINEL_PASSWORD?: string;
}

/** `host:port,host:port` (IPv6 as `[::1]:6379`); throws a one-line ConfigError naming the variable. */
export function parseHostPorts(name: string, value: string): HostPort[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError(`environment: ${name}: must list host:port entries, separated by commas`);
  return entries.map((entry) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) throw new ConfigError(`environment: ${name}: "${entry}" is not host:port`);
    return { host: match[1] ?? match[2]!, port };
  });
}

/** At most one way to reach Redis, with what that way needs; undefined without Redis. */
export function redisTarget(env: RedisVariables): RedisTarget | undefined {
  const ways = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((name) => env[name] !== undefined);
  if (ways.length > 1) throw new ConfigError(`environment: ${ways.join(' and ')}: set only one way to reach Redis`);
  if (env.REDIS_SENTINEL_NAME !== undefined && !env.REDIS_SENTINELS) throw new ConfigError('environment: REDIS_SENTINEL_NAME: only with REDIS_SENTINELS');
  if (env.REDIS_SENTINEL_PASSWORD !== undefined && !env.REDIS_SENTINELS) throw new ConfigError('environment: REDIS_SENTINEL_PASSWORD: only with REDIS_SENTINELS');
  if (env.REDIS_PASSWORD !== undefined && !env.REDIS_CLUSTER_NODES && !env.REDIS_SENTINELS) {
    throw new ConfigError('environment: REDIS_PASSWORD: only with REDIS_CLUSTER_NODES or REDIS_SENTINELS (a REDIS_URL carries its own password)');
  }
  if (env.REDIS_URL) return { kind: 'url', url: env.REDIS_URL };
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES), password: env.REDIS_PASSWORD };
  if (env.REDIS_SENTINELS) {
    const sentinels = parseHostPorts('REDIS_SENTINELS', env.REDIS_SENTINELS);
    if (!env.REDIS_SENTINEL_NAME) throw new ConfigError('environment: REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the name the Sentinels know the primary by)');
    return { kind: 'sentinel', sentinels, name: env.REDIS_SENTINEL_NAME, password: env.REDIS_PASSWORD, sentinelPassword: env.REDIS_SENTINEL_PASSWORD };
  }
  return undefined;
}
