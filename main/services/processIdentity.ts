import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who holds something on disk: enough to tell, later, whether that process still runs. */
export interface ProcessIdentity {
  program: string;
  pid: number;
  host: string;
  /** When the process started (ISO time), for people. */
  started: string;
  /** Its start in clock ticks since boot (/proc/PID/stat, Linux): what tells a reused pid apart. */
  startTicks?: number;
}

/** This process, as a lock or a temporary file records it. */
export function thisProcess(): ProcessIdentity {
  return {
    program: `aia-studio ${process.argv.slice(2, 3).join(' ')}`.trim(),
    pid: process.pid,
    host: hostname(),
    started: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    startTicks: startTicks(process.pid),
  };
}

/** Clock ticks per second of /proc/PID/stat's start time: USER_HZ, 100 on every Linux architecture. */
const USER_HZ = 100;

/**
 * When a process of this machine started, in clock ticks since boot (/proc/PID/stat on Linux);
 * undefined where that can't be read (another OS, no such process).
 */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** When a process of this machine started (ms since the epoch), where /proc tells. */
function processStartMs(pid: number): number | undefined {
  const ticks = startTicks(pid);
  try {
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return ticks !== undefined && Number.isFinite(boot) ? boot * 1000 + (ticks * 1000) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this machine (one of another user counts). */
export function pidAlive(pid: number): boolean {
  if (!(Number.isInteger(pid) && pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that recorded `holder` still runs: same host, the pid alive, and (where /proc
 * tells) started at the same tick, so a pid that now belongs to another process (after a reboot, or
 * reused) is recognised. 'unknown' for another host's holder, which this machine can't see.
 */
export function holderRuns(holder: Partial<ProcessIdentity> & { pid: number }): boolean | 'unknown' {
  if (holder.host !== undefined && holder.host !== hostname()) return 'unknown';
  if (!pidAlive(holder.pid)) return false;
  const actual = startTicks(holder.pid);
  return holder.startTicks === undefined || actual === undefined || actual === holder.startTicks;
}

/**
 * Whether a file written by process `pid` can still be being written by it: that process runs and
 * started before the file was last written (a pid reused by a later process did not write it).
 */
export function writerMayRun(pid: number, writtenMs: number): boolean {
  if (pid === process.pid || !pidAlive(pid)) return pid === process.pid;
  const started = processStartMs(pid);
  return started === undefined || started <= writtenMs + 2000;
}
