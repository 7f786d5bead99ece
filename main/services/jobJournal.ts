import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { applyRecord, type JobRecord, type QueueSnapshot } from './jobRecords.js';

const FILE = 'jobs.jsonl';
/** Compaction pays off once most lines are history: more than this many lines per job. */
const LINES_PER_JOB_BEFORE_COMPACTION = 3;

/**
 * The queue's state on disk as an append-only journal of JSON lines, one per change, flushed with
 * fdatasync before the change takes effect. Appending never rewrites what is already safe, so a crash
 * (SIGKILL, power cut) loses at most the line being written, and that torn last line is recognised
 * and dropped on replay. Replaying the lines in order rebuilds the state. A journal that is mostly
 * history (on open, or while a long watch runs) is compacted to one line per job (written beside it,
 * fsync'd, renamed over it), so cleared jobs leave the disk too and the file stays proportional to
 * the jobs kept.
 */
export class JobJournal {
  private constructor(
    private fd: number,
    readonly path: string,
    /** Lines in the file: what compaction weighs against the jobs kept. */
    private lines: number,
  ) {}

  static open(dir: string): { journal: JobJournal; state: QueueSnapshot; unreadableLines: number } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    const state: QueueSnapshot = { jobs: new Map(), paused: false };
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const lines = text.split('\n');
    const torn = lines.pop() !== '';
    let unreadableLines = 0;
    for (const line of lines) {
      if (line === '') continue;
      try {
        applyRecord(state, JSON.parse(line) as JobRecord);
      } catch {
        unreadableLines++;
      }
    }
    const written = lines.filter((l) => l !== '').length;
    const mustRewrite = torn || unreadableLines > 0 || mostlyHistory(written, state);
    const kept = mustRewrite ? rewrite(path, state) : written;
    return { journal: new JobJournal(openSync(path, 'a'), path, kept), state, unreadableLines };
  }

  /** Rewrites the journal as the state's jobs when most of its lines are history (cleared jobs, old changes). */
  compactIfMostlyHistory(state: QueueSnapshot): void {
    if (!mostlyHistory(this.lines, state)) return;
    closeSync(this.fd);
    this.lines = rewrite(this.path, state);
    this.fd = openSync(this.path, 'a');
  }

  /** Durably appends the records as one write: when this returns they survive a crash. */
  append(records: JobRecord[]): void {
    if (records.length === 0) return;
    const bytes = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at);
    fdatasyncSync(this.fd);
    this.lines += records.length;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function mostlyHistory(lines: number, state: QueueSnapshot): boolean {
  return lines > LINES_PER_JOB_BEFORE_COMPACTION * state.jobs.size + 100;
}

/** Writes the state as one line per job (and the pause flag) over the journal; returns the lines written. */
function rewrite(path: string, state: QueueSnapshot): number {
  const lines = [...state.jobs.values()].map((job) =>
    JSON.stringify({ t: 'submit', job } satisfies JobRecord),
  );
  lines.push(JSON.stringify({ t: 'paused', paused: state.paused } satisfies JobRecord));
  const temporary = `${path}.compacting`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncFolder(dirname(path));
  return lines.length;
}

/** Makes a rename durable (POSIX); Windows has no folder handles to flush and needs none. */
function syncFolder(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
