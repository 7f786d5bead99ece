import type { Job } from '../contract/index.js';
import { readInputFile } from '../engine/fits/index.js';

/**
 * The bytes of the next queued jobs' files, read while other jobs compute so the read hides behind
 * the compute. At most `count` files are held: each costs its file's bytes until its job starts.
 */
export class InputReadAhead {
  private readonly reads = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly count: number) {}

  /** Files read or being read. */
  get size(): number {
    return this.reads.size;
  }

  /** Starts reading the first `count` of the queued jobs (in the order they start); forgets the rest. */
  readNext(order: Job[]): void {
    const next = order.slice(0, this.count);
    const wanted = new Set(next.map((j) => j.id));
    for (const id of this.reads.keys()) if (!wanted.has(id)) this.reads.delete(id);
    for (const job of next) {
      if (this.reads.has(job.id)) continue;
      const bytes = readInputFile(job.input.path);
      // a failed read is reported by the job that takes it, not as an unhandled rejection here
      bytes.catch(() => undefined);
      this.reads.set(job.id, bytes);
    }
  }

  /** The job's bytes, if they were read ahead, handed over (and no longer held here). */
  take(id: string): Promise<Uint8Array> | undefined {
    const bytes = this.reads.get(id);
    this.reads.delete(id);
    return bytes;
  }

  /** Forgets a job's bytes (it was cancelled). */
  drop(id: string): void {
    this.reads.delete(id);
  }

  clear(): void {
    this.reads.clear();
  }
}
