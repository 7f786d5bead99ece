import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

/** The BullMQ queue every AIA Studio of a cluster shares (its keys are `bull:aia-studio:*`). */
export const CLUSTER_QUEUE = 'aia-studio';

/** Refused before anything runs: a Redis URL that is wrong, unreachable, or set up to lose jobs. */
export class ClusterSetupError extends Error {
  override name = 'ClusterSetupError';
}

/**
 * `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) as ioredis options. BullMQ makes
 * its own connections from these, reconnecting for as long as Redis is away (a restarted Redis loses
 * no job with AOF on: workers and submitters carry on once it is back).
 */
export function redisOptions(url: string): BullRedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClusterSetupError(`--cluster takes redis://HOST:PORT (got '${url}')`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ClusterSetupError(`--cluster takes redis://HOST:PORT or rediss://HOST:PORT (got '${url}')`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new ClusterSetupError(`the database in ${url} must be a number (redis://HOST:PORT/0)`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking connections need this; commands wait for a Redis that is restarting
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Connects once to check that the cluster's Redis is there and keeps jobs: `maxmemory-policy` must be
 * `noeviction` (any other policy lets Redis delete queued jobs when memory runs short: refused), and
 * AOF should be on (without it a Redis restart loses the jobs since its last snapshot: a warning).
 * Returns the warnings. A Redis that forbids CONFIG (a managed service) cannot be checked: a warning.
 */
export async function checkClusterRedis(url: string, timeoutMs = 5000): Promise<string[]> {
  const shown = shownUrl(url);
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      throw new ClusterSetupError(
        `cannot reach the cluster's Redis at ${shown}: ${(error as Error).message} ` +
          '(is redis-server running there, and is its port open to this host?)',
      );
    }
    const setting = async (name: string): Promise<string | undefined> => {
      const reply = (await client.call('CONFIG', 'GET', name).catch(() => undefined)) as string[] | undefined;
      return reply?.[1];
    };
    const [policy, aof] = [await setting('maxmemory-policy'), await setting('appendonly')];
    const warnings: string[] = [];
    if (policy === undefined) {
      warnings.push(
        `could not read the settings of the Redis at ${shown} (CONFIG is not allowed): make sure it has ` +
          'maxmemory-policy noeviction and appendonly yes, or jobs can be lost (docs/scaling.md)',
      );
      return warnings;
    }
    if (policy !== 'noeviction')
      throw new ClusterSetupError(
        `the Redis at ${shown} has maxmemory-policy ${policy}: it would delete queued jobs when its memory ` +
          'runs short. Set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction)',
      );
    if (aof !== 'yes')
      warnings.push(
        `the Redis at ${shown} has appendonly ${aof ?? 'unknown'}: a restart of Redis loses the jobs since its ` +
          'last snapshot. Set appendonly yes and appendfsync everysec (docs/scaling.md)',
      );
    return warnings;
  } finally {
    client.disconnect();
  }
}
