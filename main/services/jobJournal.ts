import {
  closeSync,
  copyFileSync,
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
import type { JournalDamage } from '../contract/index.js';
import { applyRecord, recordProblem, type JobRecord, type QueueSnapshot } from './jobRecords.js';

const FILE = 'jobs.jsonl';
const BOM = '\uFEFF';

/** What replay dropped from a damaged journal, and where the damaged file was kept. */

/** One sentence for stderr or the UI: which file, which lines and why, and where the original is. */
export function describeJournalDamage(damage: JournalDamage): string {
  const shown = damage.dropped.slice(0, 10).map((d) => `line ${d.line} (${d.reason})`);
  const more = damage.dropped.length > 10 ? ` and ${damage.dropped.length - 10} more` : '';
  return (
    `the job journal ${damage.journal} was damaged: dropped ${shown.join(', ')}${more}; ` +
    `the jobs of the other lines are kept, and the damaged file is saved as ${damage.copy}`
  );
}
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

  /**
   * Replays the journal. Every line is checked (JSON, then the record's shape) before it applies; a
   * damaged journal (a torn line, random bytes, NUL padding, a byte-order mark, a record missing its
   * fields) is copied beside it as `jobs.jsonl.damaged-<time>`, rewritten from the lines that were
   * sound, and `damage` says which lines were dropped and why.
   */
  static open(dir: string): { journal: JobJournal; state: QueueSnapshot; damage?: JournalDamage } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    const state: QueueSnapshot = { jobs: new Map(), paused: false };
    let text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const dropped: JournalDamage['dropped'] = [];
    if (text.startsWith(BOM)) {
      text = text.slice(BOM.length);
      dropped.push({ line: 1, reason: 'a byte-order mark at its start, removed' });
    }
    const lines = text.split('\n');
    if (lines.at(-1) !== '') dropped.push({ line: lines.length, reason: 'torn: no end of line' });
    lines.pop();
    lines.forEach((line, at) => {
      if (line === '') return;
      const reason = problemOf(line);
      if (reason) dropped.push({ line: at + 1, reason });
      else applyRecord(state, JSON.parse(line) as JobRecord);
    });
    const written = lines.filter((l) => l !== '').length;
    let damage: JournalDamage | undefined;
    if (dropped.length > 0) {
      damage = {
        journal: path,
        copy: `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`,
        dropped,
      };
      copyFileSync(path, damage.copy);
    }
    const kept = damage || mostlyHistory(written, state) ? rewrite(path, state) : written;
    return { journal: new JobJournal(openSync(path, 'a'), path, kept), state, damage };
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

/** Why a journal line can't be replayed, or undefined. */
function problemOf(line: string): string | undefined {
  if (/^[\0\s]*$/.test(line)) return 'NUL padding';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  return recordProblem(value);
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
