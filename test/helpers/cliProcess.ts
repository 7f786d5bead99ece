import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { REPO_ROOT } from './paths.js';

/** The built command line, as a user runs it. */
export const CLI = join(REPO_ROOT, 'bin/aia-studio.js');

/** A line a process printed, and when this process read it (ms, Date.now()). */
export interface TimedLine {
  text: string;
  at: number;
}

/** The lines of one output stream as they arrive; `waitFor` resolves on the first that matches. */
export class LineLog {
  readonly lines: TimedLine[] = [];
  /** Resolves once the stream has ended and its every line is in `lines`. */
  readonly finished: Promise<void>;
  private readonly waiters = new Set<(line: TimedLine) => void>();
  private closed = false;

  constructor(
    stream: Readable,
    private readonly name: string,
  ) {
    const reader = createInterface({ input: stream });
    reader.on('line', (text) => {
      const line = { text, at: Date.now() };
      this.lines.push(line);
      for (const waiter of [...this.waiters]) waiter(line);
    });
    this.finished = new Promise((done) =>
      reader.on('close', () => {
        this.closed = true;
        for (const waiter of [...this.waiters]) waiter({ text: '', at: -1 });
        done();
      }),
    );
  }

  get texts(): string[] {
    return this.lines.map((l) => l.text);
  }

  /** The first line (printed already, or to come) that matches; fails if the stream ends first. */
  waitFor(match: (text: string) => boolean): Promise<string> {
    const seen = this.lines.find((l) => match(l.text));
    if (seen) return Promise.resolve(seen.text);
    return new Promise((found, failed) => {
      const waiter = (line: TimedLine) => {
        if (line.at >= 0 && !match(line.text)) return;
        this.waiters.delete(waiter);
        if (line.at >= 0) found(line.text);
        else failed(new Error(`${this.name} ended without the line awaited:\n${this.texts.join('\n')}`));
      };
      this.waiters.add(waiter);
      if (this.closed) waiter({ text: '', at: -1 });
    });
  }
}

/** `aia-studio ARGS` running as its own process, its stdout and stderr read line by line. */
export interface CliProcess {
  child: ChildProcess;
  stdout: LineLog;
  stderr: LineLog;
  /** The exit status (null when a signal ended it). */
  ended: Promise<number | null>;
}

export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const label = `aia-studio ${args[0]}`;
  return {
    child,
    stdout: new LineLog(child.stdout!, `${label}'s stdout`),
    stderr: new LineLog(child.stderr!, `${label}'s stderr`),
    ended,
  };
}

/** Runs `aia-studio ARGS` to its end: its exit status and every line it printed. */
export async function runCli(
  args: string[],
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const run = startCli(args);
  const code = await run.ended;
  // 'exit' may come before the pipes are read to their end
  await Promise.all([run.stdout.finished, run.stderr.finished]);
  return { code, stdout: run.stdout.texts, stderr: run.stderr.texts };
}
