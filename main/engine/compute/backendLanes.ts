import type { ComputeBackend } from './computeBackend.js';

/** What a lane is made of: a backend, or whatever runs jobs on one (the queue's job runners). */
export interface Lane<L> {
  lane(): L;
  dispose(): Promise<void>;
}

/**
 * Several images in flight on one kind of backend: up to `count` lanes (the first backend and its
 * `lane()`s, made when first needed), each running one job at a time. While one job waits for the
 * GPU or for its output to be written, the next one reads, decodes and lays out its image on another
 * lane.
 */
export class BackendLanes<L extends Lane<L> = ComputeBackend> {
  /** Lanes made so far, the first one first. */
  readonly lanes: L[];
  private readonly free: L[];
  private readonly waiting: Array<(lane: L) => void> = [];
  private disposed = false;

  constructor(
    first: NoInfer<L>,
    readonly count: number,
  ) {
    if (!(count >= 1)) throw new RangeError(`images in flight must be at least 1, not ${count}`);
    this.lanes = [first];
    this.free = [first];
  }

  /** Lanes not running a job (including those not made yet). */
  get idle(): number {
    return this.free.length + this.count - this.lanes.length;
  }

  /** Runs `work` on a free lane, once there is one. */
  async run<T>(work: (lane: L) => Promise<T>): Promise<T> {
    const lane = await this.acquire();
    try {
      return await work(lane);
    } finally {
      this.release(lane);
    }
  }

  /** Disposes every lane (jobs still running on them fail). */
  async dispose(): Promise<void> {
    this.disposed = true;
    // the first lane last: the others share what it opened (the GPU host)
    for (const lane of this.lanes.slice(1).reverse()) await lane.dispose();
    await this.lanes[0].dispose();
  }

  private acquire(): Promise<L> {
    if (this.disposed) return Promise.reject(new Error('the compute backend was released'));
    const lane = this.free.pop();
    if (lane) return Promise.resolve(lane);
    if (this.lanes.length < this.count) {
      const made = this.lanes[0].lane();
      this.lanes.push(made);
      return Promise.resolve(made);
    }
    return new Promise<L>((take) => this.waiting.push(take));
  }

  private release(lane: L): void {
    const next = this.waiting.shift();
    if (next) next(lane);
    else this.free.push(lane);
  }
}
