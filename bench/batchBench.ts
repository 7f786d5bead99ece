import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchFrames, median, runChild, type BenchOptions, type BenchRow } from './benchSupport.js';

/** Each full-resolution frame appears this often in a batch (4 frames: 8 files). */
const COPIES = 2;

interface BatchRun {
  secondsPerImage: number;
  mainThreadPerImage: number;
  files: number;
  peakRssMb: number;
}

/**
 * Batch throughput end to end (read → decode → compute → encode → write, several files): seconds per
 * image, and of them the main thread's busy time (the part lanes cannot overlap: the bound on images
 * per second however fast the GPU), with 1, 2 (and on the GPU 3) images in flight, each in fresh processes (median of `repeat`),
 * so the gain of overlapping one file's CPU stages with another's compute is measured against one at
 * a time in the same run. Level 1.5 on every backend; level 1.6 on the GPU only (on the CPU it is the
 * Richardson–Lucy time, which lev16 measures, times the files).
 */
export async function benchBatch(options: BenchOptions): Promise<BenchRow[]> {
  const files = benchFrames(options).map((i) => i.file);
  const onGpu = options.backend === 'gpu';
  // Level 1.6 needs 4096² frames, which a smoke run leaves out.
  const levelsTimed = onGpu && !options.smoke ? ['1.5', '1.6'] : ['1.5'];
  const cacheDir = await mkdtemp(join(tmpdir(), 'aia-bench-batch-psf-'));
  const rows: BenchRow[] = [];
  try {
    for (const levels of levelsTimed) {
      for (const inFlight of onGpu ? [1, 2, 3] : [1, 2]) {
        const args = [levels, options.backend, String(inFlight), String(COPIES), cacheDir, ...files];
        const runs = Array.from({ length: options.repeat }, () => runChild<BatchRun>('batchRun.js', args));
        const base = {
          bench: 'batch',
          case: `${runs[0].files} files, ${inFlight} in flight`,
          backend: options.backend,
        };
        rows.push(
          {
            ...base,
            metric: `level ${levels} batch s/image`,
            unit: 's',
            ours: median(runs.map((r) => r.secondsPerImage)),
          },
          {
            ...base,
            metric: `level ${levels} batch main thread s/image`,
            unit: 's',
            ours: median(runs.map((r) => r.mainThreadPerImage)),
          },
          {
            ...base,
            metric: `level ${levels} batch peak RSS MB`,
            unit: 'MB',
            ours: Math.max(...runs.map((r) => r.peakRssMb)),
          },
        );
      }
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  return rows;
}
