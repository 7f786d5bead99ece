import { execFile } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export interface CommandRun {
  /** the exit code; null when the command was killed (a signal, or past `timeout`) */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without blocking this test's event loop. A synchronous run (spawnSync) of
 * astropy or sunpy takes tens of seconds on a loaded machine, and Vitest's worker then misses its
 * own RPC's 60 s deadline ("Timeout calling onTaskUpdate"), which fails the whole run.
 */
export function runCommand(
  file: string,
  args: string[],
  options: { timeout?: number } = {},
): Promise<CommandRun> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 1 << 30, timeout: options.timeout ?? 0 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        done({ status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** Debian's python3 (astropy, numpy, sunpy): `runCommand` of it. */
export const runPython = (args: string[]): Promise<CommandRun> => runCommand(PYTHON, args);
