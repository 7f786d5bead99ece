/**
 * What the host holds on the GPU, in bytes, and the bound it keeps to. Counted: the textures/buffers
 * our kernels hand back (OTFs, the Richardson–Lucy working set), 4 bytes a float32 value as gpu.js
 * stores scalar single-precision outputs (R32F / f32 storage buffers); and, per compiled kernel, the
 * argument textures gpu.js keeps for it between calls (the largest it has been given). The budget
 * bounds the sum: the least recently used OTFs go first (Node uploads them again when next needed),
 * then kernels compiled for other image sizes; a job that alone needs more fails before it starts.
 */
import type { MemoryReport } from '../../main/engine/compute/gpu/protocol.js';

/** A job that cannot fit the budget even with everything evictable evicted. */
export class OverBudgetError extends RangeError {
  override name = 'OverBudgetError';
}

export interface Resident {
  delete(): void;
}

export class GpuMemory {
  /** Bytes of each resident object we made, by object. */
  private readonly held = new Map<Resident, number>();
  /** Channel OTFs by Node's handle, least recently used first (Map order). */
  private readonly transfers = new Map<number, Resident>();
  /** Argument/staging bytes gpu.js keeps per compiled kernel, least recently used first. */
  private readonly staging = new Map<string, { bytes: number; release: () => void }>();
  private heldBytes = 0;
  private peak = 0;

  constructor(readonly budget: number) {}

  /** Counts a resident object of `values` float32 values; returns it. */
  hold<T extends Resident>(object: T, values: number): T {
    this.held.set(object, 4 * values);
    this.heldBytes += 4 * values;
    this.peak = Math.max(this.peak, this.total);
    return object;
  }

  /** Deletes a resident object and stops counting it. */
  drop(object: Resident): void {
    object.delete();
    this.heldBytes -= this.held.get(object) ?? 0;
    this.held.delete(object);
  }

  /** Records that kernel `key` keeps `bytes` of argument textures; `release` destroys the kernel. */
  staged(key: string, bytes: number, release: () => void): void {
    const previous = this.staging.get(key);
    this.staging.delete(key);
    this.staging.set(key, { bytes: Math.max(bytes, previous?.bytes ?? 0), release });
    this.peak = Math.max(this.peak, this.total);
  }

  transfer(handle: number): Resident | undefined {
    const otf = this.transfers.get(handle);
    if (otf) {
      this.transfers.delete(handle);
      this.transfers.set(handle, otf);
    }
    return otf;
  }

  keepTransfer(handle: number, otf: Resident): void {
    this.releaseTransfer(handle);
    this.transfers.set(handle, otf);
  }

  releaseTransfer(handle: number): void {
    const otf = this.transfers.get(handle);
    if (!otf) return;
    this.transfers.delete(handle);
    this.drop(otf);
  }

  /**
   * Makes room for a job that will hold `bytes` more: evicts least recently used OTFs (but not
   * `keep`), then kernels of other sizes (not those `inUse`); throws if it cannot fit.
   */
  reserve(bytes: number, keep: number | undefined, inUse: (key: string) => boolean): void {
    for (const [handle] of this.transfers) {
      if (this.total + bytes <= this.budget) break;
      if (handle !== keep) this.releaseTransfer(handle);
    }
    for (const [key, kernel] of this.staging) {
      if (this.total + bytes <= this.budget) break;
      if (inUse(key)) continue;
      kernel.release();
      this.staging.delete(key);
    }
    if (this.total + bytes > this.budget) {
      const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
      throw new OverBudgetError(
        `this job needs ${mib(bytes)} of GPU memory beside the ${mib(this.total)} held; the budget is ${mib(this.budget)}`,
      );
    }
  }

  /** Forgets everything (the context is gone: its objects went with it). */
  clear(): void {
    this.held.clear();
    this.transfers.clear();
    this.staging.clear();
    this.heldBytes = 0;
  }

  get total(): number {
    let staged = 0;
    for (const s of this.staging.values()) staged += s.bytes;
    return this.heldBytes + staged;
  }

  report(): MemoryReport {
    let transferBytes = 0;
    for (const otf of this.transfers.values()) transferBytes += this.held.get(otf) ?? 0;
    let stagingBytes = 0;
    for (const s of this.staging.values()) stagingBytes += s.bytes;
    return {
      heldBytes: this.total,
      transferBytes,
      transfers: this.transfers.size,
      stagingBytes,
      peakBytes: this.peak,
      budgetBytes: this.budget,
    };
  }
}
