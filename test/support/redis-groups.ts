import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, spawnRedis, type RedisProcess } from './servers.js';
import { waitUntil } from './wait.js';

/*
 * Groups of real redis-server processes on loopback for the Cluster and Sentinel tests: each
 * process in a temp directory of its own, all stopped (and their files removed) by stop().
 */

const LOOPBACK = '127.0.0.1';
const run = promisify(execFile);

/** A command to one process, on a short-lived connection that gives up rather than waits. */
async function ask<T = unknown>(port: number, ...command: [string, ...Array<string | number>]): Promise<T> {
  const client = new Redis({ host: LOOPBACK, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.call(...command)) as T;
  } finally {
    client.disconnect();
  }
}

async function stopAll(processes: RedisProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.stop()));
}

/** Starts each of `count` processes (in parallel) and stops those started if one fails. */
async function startGroup(count: number, start: (index: number) => Promise<RedisProcess>): Promise<RedisProcess[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => start(i)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await stopAll(started);
    throw failed.reason;
  }
  return started;
}

const noPersistence = ['--bind', LOOPBACK, '--save', '', '--appendonly', 'no'];

export interface RedisClusterService {
  /** REDIS_CLUSTER_NODES for Portico: every node, host:port. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * Three primaries and three replicas (`cluster-enabled yes`), joined by
 * `redis-cli --cluster create --cluster-replicas 1`; ready once every node reports the cluster ok.
 * The cluster bus gets a free port of its own (`cluster-port`): port + 10000 may not be free.
 */
export async function startRedisCluster(): Promise<RedisClusterService> {
  const processes = await startGroup(6, async () => {
    const [port, busPort] = [await freePort(), await freePort()];
    return spawnRedis(port, (dir) => [
      '--port', String(port), ...noPersistence, '--dir', dir,
      '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '3000',
    ], `cluster node on port ${port}`);
  });
  const ports = processes.map((p) => p.port);
  try {
    const cli = path.join(path.dirname(process.env.REDIS_SERVER ?? '/usr/bin/redis-server'), 'redis-cli');
    await run(existsSync(cli) ? cli : 'redis-cli', ['--cluster', 'create', ...ports.map((p) => `${LOOPBACK}:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await waitUntil('every cluster node to report cluster_state:ok', async () => {
      const infos = await Promise.all(ports.map((p) => ask<string>(p, 'CLUSTER', 'INFO').catch(() => '')));
      return infos.every((info) => info.includes('cluster_state:ok'));
    }, { timeoutMs: 60_000, intervalMs: 250 });
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
  return { nodes: ports.map((p) => `${LOOPBACK}:${p}`).join(','), ports, stop: () => stopAll(processes) };
}

export interface RedisSentinelService {
  /** REDIS_SENTINELS for Portico: every Sentinel, host:port. */
  sentinels: string;
  /** REDIS_SENTINEL_NAME. */
  name: string;
  /** The port of the primary the Sentinels name now. */
  primaryPort(): Promise<number>;
  /**
   * SENTINEL FAILOVER (the replica is promoted; the old primary becomes its replica), and waits until every Sentinel names the new primary and it takes writes.
   */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

const SENTINEL_NAME = 'portico';

const REPLICAS = 1;

/**
 * Writes only while every replica takes them too, as the README advises: otherwise, during a
 * failover, the old primary goes on taking writes (lost when it rejoins as a replica) while a
 * replica not yet promoted or moved is still attached to it. (Tried with two replicas and one
 * required: sign-ins under way were lost.)
 */
const syncedWrites = ['--min-replicas-to-write', String(REPLICAS), '--min-replicas-max-lag', '5'];

/**
 * A primary, a replica and three Sentinels (quorum 2).
 * Sentinel is `redis-server <conf> --sentinel`: it rewrites its config file, so each gets its own.
 */
export async function startRedisSentinel(): Promise<RedisSentinelService> {
  const primaryPortAtStart = await freePort();
  const primary = await spawnRedis(primaryPortAtStart, (dir) => ['--port', String(primaryPortAtStart), ...noPersistence, ...syncedWrites, '--dir', dir]);
  const processes: RedisProcess[] = [primary];
  try {
    processes.push(...(await startGroup(REPLICAS, async () => {
      const port = await freePort();
      return spawnRedis(port, (dir) => ['--port', String(port), ...noPersistence, ...syncedWrites, '--dir', dir, '--replicaof', LOOPBACK, String(primary.port)], `replica on port ${port}`);
    })));
    const synced = async (port: number) => (await ask<string>(port, 'INFO', 'replication').catch(() => '')).includes('master_link_status:up');
    await waitUntil('the replicas to sync', async () => (await Promise.all(processes.slice(1).map((p) => synced(p.port)))).every(Boolean), { timeoutMs: 30_000, intervalMs: 200 });
    processes.push(...(await startGroup(3, async () => {
      const port = await freePort();
      return spawnRedis(port, (dir) => {
        const conf = path.join(dir, 'sentinel.conf');
        writeFileSync(conf, [
          `port ${port}`, `bind ${LOOPBACK}`, `dir ${dir}`,
          `sentinel monitor ${SENTINEL_NAME} ${LOOPBACK} ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 2000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 20000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`, '',
        ].join('\n'));
        return [conf, '--sentinel'];
      }, `sentinel on port ${port}`);
    })));
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
  const sentinelPorts = processes.slice(1 + REPLICAS).map((p) => p.port);
  const primaryPort = async (sentinel = sentinelPorts[0]!) => Number((await ask<string[]>(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME))[1]);
  // FAILOVER needs replicas every Sentinel has seen, and the Sentinels must know each other.
  const settled = () =>
    waitUntil('the Sentinels to know the replicas and each other', async () => {
      const views = await Promise.all(sentinelPorts.map(async (port) => {
        const [primaryInfo] = await ask<Array<string[]>>(port, 'SENTINEL', 'MASTERS');
        const fields = new Map<string, string>();
        for (let i = 0; i + 1 < (primaryInfo ?? []).length; i += 2) fields.set(primaryInfo![i]!, primaryInfo![i + 1]!);
        return Number(fields.get('num-slaves')) >= REPLICAS && Number(fields.get('num-other-sentinels')) >= 2 && !/o_down|s_down/.test(fields.get('flags') ?? '');
      }).map((view) => view.catch(() => false)));
      return views.every(Boolean);
    }, { timeoutMs: 60_000, intervalMs: 250 });
  try {
    await settled();
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
  return {
    sentinels: sentinelPorts.map((p) => `${LOOPBACK}:${p}`).join(','),
    name: SENTINEL_NAME,
    primaryPort: () => primaryPort(),
    async failover() {
      const from = await primaryPort();
      await ask(sentinelPorts[0]!, 'SENTINEL', 'FAILOVER', SENTINEL_NAME);
      const to = await waitUntil('every Sentinel to name the new primary, and it to take writes', async () => {
        const named = await Promise.all(sentinelPorts.map((port) => primaryPort(port).catch(() => 0)));
        if (named.some((port) => port === from || port !== named[0])) return 0;
        const role = await ask<string>(named[0]!, 'INFO', 'replication').catch(() => '');
        return role.includes('role:master') ? named[0]! : 0;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      return { from, to };
    },
    stop: () => stopAll(processes),
  };
}
