import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoot } from '../main/appPaths.js';
import { readFitsImage } from '../main/engine/fits/index.js';
import type { VerifiedInput } from './dataset.js';
import type { ProfiledCase } from './record.js';

/** One measured figure, with what it is compared against (the record format: docs/benchmarks.md). */
export interface BenchRow {
  bench: string;
  case: string;
  /** The compute backend that ran it ("cpu" now; a GPU backend adds its own rows). */
  backend: string;
  metric: string;
  /** share: a ratio of two times of the same run. */
  unit: 's' | 'MB' | 'share';
  /** The median of the repeated runs (the maximum for peak memory). */
  ours: number;
  /** For the breakdown rows of a file-to-file run: the stage (the job's StageClock name). */
  stage?: string;
  /** For a stage: the median CPU seconds of the whole process (all threads). */
  cpu?: number;
  /** For a stage: CPU far below wall time in most runs, so the stage mostly waited. */
  waiting?: boolean;
  /** The oracle (numpy/scipy statement of aiapy) timed in the same run, when it ran. */
  oracle?: number;
  /** aiapy's published figure on this machine kind (aiapyReference.ts). */
  aiapy?: number;
  /** The target; lower is better for every metric here. */
  target?: number;
}

/** What every benchmark is given by bench/run.ts. */
export interface BenchOptions {
  repeat: number;
  withOracle: boolean;
  /** The compute backend of this pass (bench/backends.ts); run.ts makes one pass per backend. */
  backend: string;
  /** The fixed dataset, checksums verified. */
  inputs: VerifiedInput[];
  /** Where --profile writes this run's profiles; undefined without --profile. */
  profileDir?: string;
  /** Filled by the benchmarks that profile, for the record. */
  profiles: ProfiledCase[];
  /** Cases whose fresh process failed: recorded and reported instead of ending the whole run. */
  failures: BenchFailure[];
}

/** A case that could not be measured, e.g. the engine crashed in its process. */
export interface BenchFailure {
  bench: string;
  case: string;
  backend: string;
  error: string;
}

export const here = dirname(fileURLToPath(import.meta.url));
/** The checkout (bench code runs from dist/bench and, in tests, from bench/). */
export const repoRoot = appRoot();
const oraclePath = resolve(repoRoot, '../shared/reference/aia_oracle.py');

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a bench helper script in a fresh Node process and parses the JSON line it prints. */
export function runChild<T>(script: string, args: string[]): T {
  const out = execFileSync(process.execPath, [join(here, script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as T;
}

/**
 * Runs one oracle step and returns its own clock (the ORACLE_S keyword it writes), or undefined
 * where Debian's python3 with astropy/scipy or the oracle is missing.
 */
export async function oracleSeconds(args: string[]): Promise<number | undefined> {
  if (!existsSync('/usr/bin/python3') || !existsSync(oraclePath)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'aia-bench-oracle-'));
  try {
    const [step, input, ...rest] = args;
    execFileSync('/usr/bin/python3', [oraclePath, step, input, join(dir, 'out.fits'), ...rest], {
      stdio: 'ignore',
    });
    return readFitsImage(await readFile(join(dir, 'out.fits'))).header.number('ORACLE_S');
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the oracle's PSF of a channel to a file (for its deconvolve step), or undefined without it. */
export async function oraclePsfFile(channel: number, dir: string): Promise<string | undefined> {
  if (!existsSync('/usr/bin/python3') || !existsSync(oraclePath)) return undefined;
  const path = join(dir, `oracle-psf-${channel}.fits`);
  try {
    execFileSync('/usr/bin/python3', [oraclePath, 'psf', String(channel), path], { stdio: 'ignore' });
    return path;
  } catch {
    return undefined;
  }
}

/**
 * The process's own high-water mark. Linux's VmHWM restarts at exec; getrusage's maxRSS does not (a
 * child spawned by a large bench process would inherit the parent's figure).
 */
export function peakResidentMb(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}
