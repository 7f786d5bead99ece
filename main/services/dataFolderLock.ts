import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { holderRuns, thisProcess, type ProcessIdentity } from './processIdentity.js';

/** Locks held by this process, which the pid in the file can't tell apart. */
const heldHere = new Set<string>();

/**
 * One process at a time owns a data folder's journal: two queues appending to it would run every job
 * twice. The lock file records who holds it (program, pid, host, start time); a lock whose process is
 * gone (a crash), or whose pid now belongs to another process, is stale and taken over. A lock held
 * from another host can't be checked from here: the message says how to take it. Returns the release
 * function.
 */
export function lockDataFolder(dir: string): () => void {
  const path = join(dir, 'queue.lock');
  if (heldHere.has(path)) throw new Error(`the data folder ${dir} is already in use by this AIA Studio`);
  const me = thisProcess();
  const record = `${JSON.stringify(me)}\n`;
  try {
    writeFileSync(path, record, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = readHolder(path);
    const runs = holder ? holderRuns(holder) : false;
    if (holder && holder.pid !== me.pid && runs !== false) {
      const who = `${holder.program ?? 'AIA Studio'} (process ${holder.pid} on ${holder.host ?? 'this machine'}, started ${holder.started ?? 'at an unknown time'})`;
      throw new Error(
        `the data folder ${dir} is in use by ${who}; ` +
          (runs === 'unknown'
            ? `if that process no longer runs, remove ${path} and start again`
            : `stop it first, or use another --data-dir`),
      );
    }
    writeFileSync(path, record);
  }
  heldHere.add(path);
  return () => {
    heldHere.delete(path);
    try {
      if (readHolder(path)?.pid === me.pid) rmSync(path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  };
}

/** The lock's holder; a lock of an older version holds the pid alone. Undefined if unreadable. */
function readHolder(path: string): (Partial<ProcessIdentity> & { pid: number }) | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const parsed: unknown = /^\d+$/.test(text) ? { pid: Number(text) } : JSON.parse(text);
    const pid = (parsed as { pid?: unknown })?.pid;
    return typeof pid === 'number' ? (parsed as ProcessIdentity) : undefined;
  } catch {
    return undefined;
  }
}
