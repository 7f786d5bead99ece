import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { arch, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { APP_VERSION } from '../main/version.js';
import type { BenchRecord, MachineInfo } from '../main/common/benchRecord.js';
import { repoRoot } from './benchSupport.js';
import type { VerifiedInput } from './dataset.js';
import type { StageProfileSummary } from './stageProfiles.js';

export type { MachineInfo };

export const historyPath = join(repoRoot, 'bench/history.jsonl');

/** Profiles written by --profile for one file-to-file case. */
export interface ProfiledCase {
  bench: string;
  case: string;
  backend: string;
  product: string;
  dir: string;
  stages: StageProfileSummary[];
}

/** One line of bench/history.jsonl, with the paths of this machine's profiles (left out of the app's view). */
export interface HistoryRecord extends BenchRecord {
  profiles?: ProfiledCase[];
}

const quiet = (command: string, args: string[]): string | undefined => {
  try {
    return execFileSync(command, args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
};

function gpus(): string[] {
  const out = quiet('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader']);
  return out ? out.split('\n').filter(Boolean) : [];
}

/** Everything about this machine except the load at the end of the run. */
export function machineInfo(): MachineInfo {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const cores = cpus().length;
  const memoryGb = Math.round(totalmem() / 2 ** 30);
  const gpuList = gpus();
  return {
    key: `${cpu} × ${cores}, ${memoryGb} GB, ${gpuList.length > 0 ? gpuList.join(' + ') : 'no GPU'}`,
    cpu,
    cores,
    memoryGb,
    os: `${process.platform} ${release()}`,
    arch: arch(),
    gpus: gpuList,
    loadAverage: { start: loadavg()[0], end: loadavg()[0] },
  };
}

/** Our version, the runtime's, and the oracle's Python stack (its timings depend on them). */
export function versions(): Record<string, string> {
  const found: Record<string, string> = {
    app: APP_VERSION,
    node: process.versions.node,
    v8: process.versions.v8,
  };
  if (existsSync('/usr/bin/python3')) {
    const py = quiet('/usr/bin/python3', [
      '-c',
      'import sys, numpy, scipy, astropy; print(sys.version.split()[0], numpy.__version__, scipy.__version__, astropy.__version__)',
    ]);
    const [python, numpy, scipy, astropy] = py?.split(' ') ?? [];
    Object.assign(found, python ? { python, numpy, scipy, astropy } : {});
  }
  return found;
}

export function commitOf(): { commit: string; dirty: boolean } {
  const commit = quiet('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const status = quiet('git', ['status', '--porcelain', '--untracked-files=no']);
  return { commit, dirty: status === undefined ? false : status.length > 0 };
}

export function inputsOf(inputs: VerifiedInput[]): HistoryRecord['inputs'] {
  return inputs.map(({ path, sha256, bytes }) => ({ path, sha256, bytes }));
}

export async function appendRecord(record: HistoryRecord): Promise<void> {
  await appendFile(historyPath, `${JSON.stringify(record)}\n`);
}

/** Every record of a history file, oldest first; blank lines are skipped. */
export async function readHistory(path = historyPath): Promise<HistoryRecord[]> {
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryRecord);
}
