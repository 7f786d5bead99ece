import { join, relative } from 'node:path';
import type { StageMetrics } from '../main/engine/pipeline/stageMetrics.js';
import { median, repoRoot, runChild, type BenchOptions, type BenchRow } from './benchSupport.js';
import { profileFileToFile } from './stageProfiles.js';

/** What bench/fileToFile.js prints for one run. */
export interface FileRun {
  wallMs: number;
  /** From the process's start (module loading and the backend's start included) to the product written. */
  processMs: number;
  peakRssMb: number;
  stages: Record<string, StageMetrics>;
}

/** One file-to-file case: one input, one product, one backend. */
export interface FileCase {
  bench: string;
  case: string;
  backend: string;
  /** "level 1.5", "level 1.6": the metric names start with it. */
  product: string;
  aiapy?: { seconds?: number; peakRssMb?: number };
}

/** `repeat` fresh-process runs of bench/fileToFile.js with these arguments. */
export function runFileToFile(args: string[], repeat: number): FileRun[] {
  return Array.from({ length: repeat }, () => runChild<FileRun>('fileToFile.js', args));
}

/**
 * The wall time and peak RSS of a file-to-file case, then one row per stage (in the order the job
 * ran them) with its median wall and CPU time, flagged when it mostly waited in most runs.
 */
export function fileToFileRows(c: FileCase, runs: FileRun[]): BenchRow[] {
  const base = { bench: c.bench, case: c.case, backend: c.backend };
  const rows: BenchRow[] = [
    {
      ...base,
      metric: `${c.product} file-to-file s`,
      unit: 's',
      ours: median(runs.map((r) => r.wallMs)) / 1000,
      aiapy: c.aiapy?.seconds,
    },
    {
      ...base,
      metric: `${c.product} peak RSS MB`,
      unit: 'MB',
      ours: Math.max(...runs.map((r) => r.peakRssMb)),
      aiapy: c.aiapy?.peakRssMb,
    },
    {
      ...base,
      metric: `${c.product} fresh process s`,
      unit: 's',
      ours: median(runs.map((r) => r.processMs)) / 1000,
    },
  ];
  for (const stage of Object.keys(runs[0]?.stages ?? {})) {
    const seen = runs.map((r) => r.stages[stage]).filter((s) => s !== undefined);
    rows.push({
      ...base,
      metric: `${c.product} stage ${stage} s`,
      stage,
      unit: 's',
      ours: median(seen.map((s) => s.wallMs)) / 1000,
      cpu: median(seen.map((s) => s.cpuMs)) / 1000,
      waiting: seen.filter((s) => s.waiting).length * 2 > seen.length,
    });
  }
  return rows;
}

/** One input through one file-to-file product: arguments of bench/fileToFile.js. */
export interface FileJob {
  file: string;
  mode: 'default' | 'aiapy';
  levels: string;
  /** PSF cache folder (level 1.6). */
  cacheDir?: string;
}

/**
 * Times a file-to-file case (`repeat` fresh processes) and, with --profile, runs it once more under
 * the CPU profiler to write one profile per stage.
 */
export async function benchFileToFile(c: FileCase, job: FileJob, options: BenchOptions): Promise<BenchRow[]> {
  const args = [job.file, job.mode, job.levels, options.backend, ...(job.cacheDir ? [job.cacheDir] : [])];
  const { bench, backend, product } = c;
  const fail = (error: unknown) =>
    options.failures.push({ bench, case: c.case, backend, error: childError(error) });
  let rows: BenchRow[];
  try {
    rows = fileToFileRows(c, runFileToFile(args, options.repeat));
  } catch (error) {
    fail(error);
    return [];
  }
  if (options.profileDir) {
    const dir = join(
      options.profileDir,
      `${c.case.replace(/\.fits$/, '')}.${product.replace(/\s+/g, '')}.${backend}`,
    );
    try {
      const stages = await profileFileToFile(args, dir);
      options.profiles.push({ bench, case: c.case, backend, product, dir: relative(repoRoot, dir), stages });
    } catch (error) {
      fail(error);
    }
  }
  return rows;
}

/** The line that says why a bench child process failed (its last "Error: …" line on stderr). */
function childError(error: unknown): string {
  const stderr = String((error as { stderr?: unknown }).stderr ?? '');
  const lines = stderr.split('\n').filter((l) => /^\w*Error\b/.test(l));
  return `${lines.at(-1) ?? (error as Error).message.split('\n')[0]}`.slice(0, 500);
}
