import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Flags beside the caller's: a throwaway profile, nothing started or fetched that the host does not
 * need, no throttling of a page nobody looks at, and /dev/shm left alone (a container's is small, and
 * the host moves 64 MiB frames).
 */
const QUIET_ARGS = [
  '--headless',
  '--remote-debugging-pipe',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-breakpad',
  '--disable-dev-shm-usage',
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--password-store=basic',
  '--use-mock-keychain',
  '--mute-audio',
];

type Listener = (params: Record<string, unknown>, sessionId?: string) => void;

/**
 * Chromium started with one page, driven over its DevTools pipe (fd 3 in, fd 4 out; JSON messages
 * ended by a NUL) with only the few commands the GPU host needs. Not Playwright: it enables the Network
 * domain on every page, and Chromium then copies each WebSocket frame into a protocol event as base64
 * (the host's frames are 64 MiB each way: seconds of encoding and parsing per image).
 */
export class ChromiumProcess {
  private readonly process: ChildProcess;
  private readonly input: Writable;
  private readonly pending = new Map<
    number,
    { done: (result: unknown) => void; failed: (e: Error) => void }
  >();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly crashListeners: Array<() => void> = [];
  private readonly exitListeners: Array<() => void> = [];
  private readonly profile: string;
  private nextId = 1;
  private exited = false;
  /** The page's DevTools session. */
  private session = '';

  private constructor(executable: string, args: string[]) {
    this.profile = mkdtempSync(join(tmpdir(), 'aia-gpu-host-'));
    this.process = spawn(
      executable,
      [...args, ...QUIET_ARGS, `--user-data-dir=${this.profile}`, 'about:blank'],
      {
        stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
      },
    );
    this.input = this.process.stdio[3] as Writable;
    this.input.on('error', () => undefined);
    this.read(this.process.stdio[4] as Readable);
    this.process.once('exit', () => this.ended());
    // no process at all (not found, not executable): there will be no 'exit'
    this.process.once('error', () => {
      if (this.process.pid === undefined) this.ended();
    });
  }

  /**
   * Starts Chromium and opens `url` in a page, its uncaught errors reported to `onPageError`; rejects
   * when Chromium cannot be started.
   */
  static async open(
    executable: string,
    args: string[],
    url: string,
    onPageError: (message: string) => void,
  ): Promise<ChromiumProcess> {
    const chromium = new ChromiumProcess(executable, args);
    const spawned = new Promise<void>((done, failed) => {
      chromium.process.once('spawn', done);
      chromium.process.once('error', failed);
    });
    try {
      await spawned;
      await chromium.send('Target.setDiscoverTargets', { discover: true });
      const { targetId } = (await chromium.send('Target.createTarget', { url: 'about:blank' })) as {
        targetId: string;
      };
      const { sessionId } = (await chromium.send('Target.attachToTarget', { targetId, flatten: true })) as {
        sessionId: string;
      };
      chromium.session = sessionId;
      chromium.on('Runtime.exceptionThrown', (params, session) => {
        if (session !== sessionId) return;
        const details = params.exceptionDetails as { text: string; exception?: { description?: string } };
        // the first line, as the page would show it (the rest is the stack)
        onPageError((details.exception?.description ?? details.text).split('\n')[0]);
      });
      chromium.on('Target.targetCrashed', (params) => {
        if (params.targetId === targetId) for (const listener of chromium.crashListeners) listener();
      });
      await chromium.send('Runtime.enable', {}, sessionId);
      await chromium.send('Page.navigate', { url }, sessionId);
      return chromium;
    } catch (error) {
      await chromium.close();
      throw new Error(`Chromium (${executable}) did not start: ${(error as Error).message}`);
    }
  }

  private ended(): void {
    if (this.exited) return;
    this.exited = true;
    for (const { failed } of this.pending.values()) failed(new Error('Chromium exited'));
    this.pending.clear();
    // A crashed browser's children may still be writing there for a moment: retried, never thrown.
    void rm(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(
      () => undefined,
    );
    for (const listener of this.exitListeners.splice(0)) listener();
  }

  /** The page's renderer died. */
  onCrash(listener: () => void): void {
    this.crashListeners.push(listener);
  }

  /** Chromium exited (it crashed, or was closed). */
  onExit(listener: () => void): void {
    if (this.exited) listener();
    else this.exitListeners.push(listener);
  }

  /** Fault injection: the page's renderer crashes. */
  crashPage(): void {
    void this.send('Page.crash', {}, this.session).catch(() => undefined);
  }

  /** Fault injection: Chromium crashes. */
  crashBrowser(): void {
    void this.send('Browser.crash').catch(() => undefined);
  }

  /** Fault injection: the page's JavaScript stops at its next statement (the debugger's pause). */
  async pausePage(): Promise<void> {
    await this.send('Debugger.enable', {}, this.session);
    await this.send('Debugger.pause', {}, this.session);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((done) => this.onExit(done));
    void this.send('Browser.close').catch(() => undefined);
    const killed = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killed);
  }

  private send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('Chromium exited'));
    const id = this.nextId++;
    return new Promise((done, failed) => {
      this.pending.set(id, { done, failed });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  private on(method: string, listener: Listener): void {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  /** Splits the pipe's output at each NUL and dispatches replies and events. */
  private read(output: Readable): void {
    let partial: Buffer[] = [];
    output.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
        partial.push(chunk.subarray(start, end));
        this.dispatch(JSON.parse(Buffer.concat(partial).toString('utf8')) as DevToolsMessage);
        partial = [];
        start = end + 1;
      }
      if (start < chunk.length) partial.push(chunk.subarray(start));
    });
  }

  private dispatch(message: DevToolsMessage): void {
    if (message.id === undefined) {
      for (const listener of this.listeners.get(message.method ?? '') ?? [])
        listener(message.params ?? {}, message.sessionId);
      return;
    }
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.error) waiting?.failed(new Error(message.error.message));
    else waiting?.done(message.result);
  }
}

interface DevToolsMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  result?: unknown;
  error?: { message: string };
}
