import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'bin/aia-studio.js');

/**
 * `aia-studio slurm-script` on the FITS files in `dir`: 3 shards, level 1.5 on the CPU into `out`, tasks of
 * 1 CPU that start this checkout's CLI, and `extra` options; resolves with what it printed.
 */
export async function writeSlurmScript(
  script: string,
  dir: string,
  out: string,
  extra: string[] = [],
): Promise<string> {
  const args = ['--shards', '3', '--script', script, '--level', '1.5', '--out', out, '--backend', 'cpu'];
  args.push('--cpus-per-task', '1', '--command', `${process.execPath} ${CLI}`, ...extra, dir);
  return (await run(process.execPath, [CLI, 'slurm-script', ...args])).stdout;
}
