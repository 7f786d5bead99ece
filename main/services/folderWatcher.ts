import { watch, type FSWatcher, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { isFitsFileName } from '../engine/pipeline/outputFiles.js';
import { fileReadiness } from './fileReadiness.js';

export interface FolderWatcherOptions {
  dir: string;
  recursive: boolean;
  /** A file must keep its size and mtime this long before it is read (ms). */
  settleMs?: number;
  /** A file still incomplete after this long unchanged is handed over anyway, to fail visibly (ms). */
  giveUpMs?: number;
  /** A full listing this often catches what the OS's change notifications dropped (ms). */
  rescanMs?: number;
  /** Called with the files that became ready since the last call (a burst arrives as one list). */
  onReady: (paths: string[]) => void;
  onError?: (error: Error) => void;
}

interface Candidate {
  size: number;
  mtimeMs: number;
  /** Since when size and mtime have not changed. */
  stableSince: number;
}

/**
 * Watches one folder for FITS files (.fits, .fts, .fits.fz …) and hands each over once it is whole:
 * its size and mtime have settled and its FITS structure is complete (a truncated file is still being
 * written). Partial downloads (.part, .crdownload, .tmp, dot-files) never match. Files already there
 * when watching starts are handed over too; a file is handed over again only if it changes.
 *
 * Each folder gets one OS watch (fs.watch), and a notification costs one stat of the name it reports,
 * so the work per arriving file stays the same however many files the folder already holds. (chokidar,
 * used before, re-listed and lstat'ed the whole folder on every change and kept a watch per file: in a
 * soak of 1000 arrivals that grew the time per job by a third.) The whole folder is listed only on
 * start, on the periodic rescan and when the OS reports a change without a name.
 */
export class FolderWatcher {
  /** One OS watch per folder (the subfolders too when recursive). */
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly candidates = new Map<string, Candidate>();
  /** Size and mtime of each file handed over and still there, so only a changed file goes again. */
  private readonly handedOver = new Map<string, string>();
  /** Names the OS reported since the last look: a file written in place reports every write. */
  private readonly reported = new Set<string>();
  private timer?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private checking = false;
  private stopped = false;
  private readonly settleMs: number;
  private readonly giveUpMs: number;

  constructor(private readonly options: FolderWatcherOptions) {
    this.settleMs = options.settleMs ?? 1000;
    this.giveUpMs = options.giveUpMs ?? 60_000;
  }

  /**
   * Resolves once the folder's current files are listed (they are handed over as they settle). After a
   * stop it starts again, offering only what is new or changed since (a paused watch folder resumed).
   */
  async start(): Promise<void> {
    this.stopped = false;
    const info = await stat(this.options.dir);
    if (!info.isDirectory()) throw new Error(`not a folder: ${this.options.dir}`);
    await this.watchFolder(this.options.dir);
    this.timer = setInterval(() => void this.check(), Math.max(50, this.settleMs / 4));
    this.rescanTimer = setInterval(() => void this.rescan(), this.options.rescanMs ?? 120_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.rescanTimer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /** Lists the folder again and takes any file the notifications missed. */
  async rescan(): Promise<void> {
    await this.list(this.options.dir);
  }

  /** Watches a folder before listing it, so nothing arriving in between is missed. */
  private async watchFolder(dir: string): Promise<void> {
    if (this.stopped || this.watchers.has(dir)) return;
    const watcher = watch(dir, (_event, name) => this.report(dir, name));
    watcher.on('error', (error) => {
      this.unwatch(dir);
      if (dir === this.options.dir) this.options.onError?.(error);
    });
    this.watchers.set(dir, watcher);
    await this.list(dir);
  }

  private async list(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (this.options.recursive) await this.watchFolder(path);
      } else if (isWatchedName(entry.name)) {
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile()) this.see(path, info);
      }
    }
  }

  private report(dir: string, name: string | null): void {
    if (name === null) {
      void this.list(dir);
      return;
    }
    if (this.reported.size === 0) setImmediate(() => void this.lookAtReported());
    this.reported.add(join(dir, name));
  }

  private async lookAtReported(): Promise<void> {
    const paths = [...this.reported];
    this.reported.clear();
    for (const path of paths) {
      const info = await stat(path).catch(() => undefined);
      if (!info) this.forget(path);
      else if (info.isDirectory() && this.options.recursive) await this.watchFolder(path);
      else if (info.isFile()) this.see(path, info);
    }
  }

  /** A file or folder that went away: nothing of it is kept. */
  private forget(path: string): void {
    this.candidates.delete(path);
    this.handedOver.delete(path);
    for (const dir of this.watchers.keys()) if (dir === path || dir.startsWith(path + sep)) this.unwatch(dir);
  }

  private unwatch(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  private see(path: string, stats: Stats): void {
    if (this.stopped || !isWatchedName(basename(path))) return;
    if (this.handedOver.get(path) === `${stats.size}:${stats.mtimeMs}`) return;
    const known = this.candidates.get(path);
    if (known && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return;
    // A file older than the settle time (it was there before we looked) has settled already.
    const stableSince = known ? Date.now() : Math.min(Date.now(), stats.mtimeMs);
    this.candidates.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, stableSince });
  }

  private async check(): Promise<void> {
    if (this.checking || this.candidates.size === 0) return;
    this.checking = true;
    const ready: string[] = [];
    try {
      for (const [path, candidate] of this.candidates) {
        const info = await stat(path).catch(() => undefined);
        if (!info) {
          this.candidates.delete(path);
          continue;
        }
        const now = Date.now();
        if (info.size !== candidate.size || info.mtimeMs !== candidate.mtimeMs) {
          this.candidates.set(path, { size: info.size, mtimeMs: info.mtimeMs, stableSince: now });
          continue;
        }
        if (now - candidate.stableSince < this.settleMs) continue;
        const readiness = await fileReadiness(path);
        if (readiness === 'incomplete' && now - candidate.stableSince < this.giveUpMs) continue;
        this.candidates.delete(path);
        this.handedOver.set(path, `${info.size}:${info.mtimeMs}`);
        ready.push(path);
      }
    } finally {
      this.checking = false;
    }
    // Stopped meanwhile: not handed over after all, so a start again offers them.
    if (this.stopped) for (const path of ready) this.handedOver.delete(path);
    else if (ready.length > 0) this.options.onReady(ready.sort());
  }
}

/** FITS names only; dot-files are temporary files of downloaders and sync tools. */
function isWatchedName(name: string): boolean {
  return !name.startsWith('.') && isFitsFileName(name);
}
