import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OP, type MemoryReport, type RequestStats } from './protocol.js';

/** What the page returns beside a deconvolve's result when asked (resources/gpu-host/gpuHost.ts). */
export interface GpuDiagnostics {
  /** WebGL2 calls of each Richardson–Lucy iteration, by name. */
  iterations?: Array<Record<string, number>>;
  /** Spector.js's capture of the first iteration. */
  capture?: unknown;
}

/** Medians of one kind of request, in milliseconds. */
export interface StageTimings {
  requests: number;
  uploadMs: number;
  computeMs: number;
  downloadMs: number;
}

const STAGE_NAMES = new Map<number, string>([
  [OP.prepareTransfer, 'otf'],
  [OP.deconvolve, 'deconvolve'],
  [OP.resample, 'resample'],
]);
/** Requests kept per stage for the medians: enough for a bench run, bounded for a long batch. */
const KEPT = 200;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const size = (bytes: number) =>
  bytes < 2 ** 20 ? `${(bytes / 2 ** 10).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/**
 * The GPU backend's own account of its requests: time on the page per stage (upload, compute up to
 * the GPU having finished, download), what the page holds on the GPU after each, and the developer
 * diagnostics of the last deconvolve. With a capture folder, each Spector capture is written there.
 */
export class GpuRecord {
  /** The page's memory after the latest request. */
  memory?: MemoryReport;
  diagnostics?: GpuDiagnostics;
  private readonly stages = new Map<string, RequestStats[]>();
  private captures = 0;

  constructor(private readonly captureDir?: string) {}

  add(op: number, stats: RequestStats): void {
    this.memory = stats.memory;
    const stage = STAGE_NAMES.get(op);
    if (!stage) return;
    const list = this.stages.get(stage) ?? [];
    list.push(stats);
    if (list.length > KEPT) list.shift();
    this.stages.set(stage, list);
  }

  diagnose(diagnostics: GpuDiagnostics): void {
    this.diagnostics = diagnostics;
    if (this.captureDir && diagnostics.capture !== undefined) {
      mkdirSync(this.captureDir, { recursive: true });
      const file = join(this.captureDir, `rl-iteration1-${process.pid}-${++this.captures}.spector.json`);
      writeFileSync(file, JSON.stringify(diagnostics.capture));
    }
  }

  timings(): Record<string, StageTimings> {
    const out: Record<string, StageTimings> = {};
    for (const [stage, list] of this.stages) {
      out[stage] = {
        requests: list.length,
        uploadMs: median(list.map((s) => s.uploadMs)),
        computeMs: median(list.map((s) => s.computeMs)),
        downloadMs: median(list.map((s) => s.downloadMs)),
      };
    }
    return out;
  }

  /** Lines for a person: per-stage medians and the GPU memory held. */
  describe(): string[] {
    const lines = Object.entries(this.timings()).map(
      ([stage, t]) =>
        `  ${stage}: upload ${t.uploadMs.toFixed(1)} ms, compute ${t.computeMs.toFixed(1)} ms, ` +
        `download ${t.downloadMs.toFixed(1)} ms (median of ${t.requests})`,
    );
    const m = this.memory;
    if (m)
      lines.push(
        `  GPU memory: ${size(m.heldBytes)} held (${m.transfers} OTF ${size(m.transferBytes)}, kernels' ` +
          `textures ${size(m.stagingBytes)}), peak ${size(m.peakBytes)}, budget ${size(m.budgetBytes)}`,
      );
    return lines;
  }
}
