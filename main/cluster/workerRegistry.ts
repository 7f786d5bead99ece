import type { Redis } from 'ioredis';
import type { WorkerStatus } from '../contract/index.js';
import { CLUSTER_QUEUE } from './clusterConnection.js';

/** The sorted set of workers by last heartbeat (ms), and each worker's hash beside it. */
const WORKERS_KEY = `aia-studio:${CLUSTER_QUEUE}:workers`;
const workerKey = (name: string) => `${WORKERS_KEY}:${name}`;

/** A worker unheard of for this many heartbeats is gone (killed, cut off): no longer listed. */
const HEARTBEATS_TO_FORGET = 3;

/**
 * Each worker's heartbeat in Redis: who it is (host, pid, backend, adapter), what it runs now, how many
 * jobs it finished. Written at each job's start and end and every `intervalMs`; a worker that stops
 * writing is forgotten after three beats (its hash expires), so the Workers panel shows the live ones.
 */
export class WorkerHeartbeat {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    readonly status: WorkerStatus,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  /** Writes the status now; a Redis away for a moment misses a beat, and the next one says it all. */
  async beat(): Promise<void> {
    const now = Date.now();
    this.status.lastHeartbeat = new Date(now).toISOString();
    const ttl = Math.ceil((this.intervalMs * HEARTBEATS_TO_FORGET) / 1000);
    await this.redis
      .multi()
      .set(workerKey(this.status.name), JSON.stringify(this.status), 'EX', ttl)
      .zadd(WORKERS_KEY, now, this.status.name)
      .exec();
  }

  /** Says goodbye: the worker leaves the list at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.multi().del(workerKey(this.status.name)).zrem(WORKERS_KEY, this.status.name).exec();
  }
}

/** The live workers, by name; those whose heartbeat expired are dropped from the set as they are read. */
export async function listWorkers(redis: Redis): Promise<WorkerStatus[]> {
  const names = await redis.zrange(WORKERS_KEY, '0', '-1');
  if (names.length === 0) return [];
  const values = await redis.mget(names.map(workerKey));
  const gone = names.filter((_, i) => values[i] === null);
  if (gone.length > 0) await redis.zrem(WORKERS_KEY, ...gone);
  return values
    .filter((v): v is string => v !== null)
    .map((v) => JSON.parse(v) as WorkerStatus)
    .sort((a, b) => a.name.localeCompare(b.name));
}
