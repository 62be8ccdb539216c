/*
 * `npm start`'s entry point. Tracing, when the standard OTEL_* variables switch it on, patches
 * modules as they load (tracing.ts), so it starts before the server's modules are imported:
 * hence the server is imported here, not at the top.
 */
import { startTracing } from './tracing.js';

await startTracing();
await import('./serve.js');
