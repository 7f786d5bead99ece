import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './paths.js';

export interface ClusterWorker {
  /** host-pid, as its first line and its heartbeats say. */
  name: string;
  /** SIGTERM (it finishes its current job) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** `aia-studio worker --cluster URL --backend cpu [args]` in a process; resolves once it says it runs. */
export async function startClusterWorker(url: string, args: string[] = []): Promise<ClusterWorker> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin/aia-studio.js'), 'worker', '--cluster', url, '--backend', 'cpu', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const name = await new Promise<string>((ready, failed) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const started = /^worker (\S+):/.exec(l);
      if (started) ready(started[1]);
    });
    child.once('exit', (code) => failed(new Error(`the worker exited (${code}) before it started`)));
  });
  return {
    name,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
