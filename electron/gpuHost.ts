import { BrowserWindow, MessageChannelMain } from 'electron';
import { HostEndpoint } from '../main/gpuHost/hostEndpoint.js';
import { DESKTOP_CHANNELS, type GpuStatus } from './desktopChannels.js';
import { greetingStatus, portLink } from './gpuPortLink.js';
import { RestartPolicy } from '../main/restartPolicy.js';
import { hardenWindow, SECURE_WEB_PREFERENCES } from './windows.js';

/** How long About, Help › GPU Adapter and the page's gpuStatus wait for an answer. */
const PROBE_WAIT_MS = 4000;
/**
 * How long the page may take from loading to its greeting (opening a device, checking the adapter)
 * before it counts as failed: backends waiting for it are refused instead of waiting on.
 */
const GREETING_WAIT_MS = 30_000;

export interface GpuHostOptions {
  /** app://…/gpu/host.html: the GPU host page (resources/gpu-host, built into dist/electron/gpu). */
  url: string;
  preload: string;
  onStatus: (status: GpuStatus) => void;
}

/**
 * The hidden window that runs the GPU host page (gpu.js's kernels: WebGPU and WebGL2 live in a page),
 * started on demand and again when its renderer dies or hangs. The main process only relays: a
 * GpuBackend (in the services' utility process, or any Node process of the app) connects to
 * `endpoint()` with HostOptions.endpoint / AIA_STUDIO_GPU_HOST and its binary messages go to the
 * page's MessagePort and back (main/gpuHost/hostEndpoint.ts). A lost GPU device is the
 * page's own business: it fails the request it interrupted and opens a new context.
 */
export class GpuHost {
  private window?: BrowserWindow;
  private started?: Promise<void>;
  private relay?: Promise<HostEndpoint>;
  private readonly restarts = new RestartPolicy();
  private current: GpuStatus = { state: 'not-started' };
  private disposed = false;

  constructor(private readonly options: GpuHostOptions) {}

  get status(): GpuStatus {
    return this.current;
  }

  /**
   * The adapter (starting the host if needed), or why there is none; never waits longer than
   * PROBE_WAIT_MS: a host still starting then reads as "none yet", and a later probe may find it.
   */
  async probe(): Promise<GpuStatus> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'late'>((late) => (timer = setTimeout(() => late('late'), PROBE_WAIT_MS)));
    const outcome = await Promise.race([this.ensure().catch(() => undefined), waited]);
    clearTimeout(timer);
    if (outcome === 'late' && this.current.state !== 'ready' && this.current.state !== 'unavailable')
      return {
        state: 'unavailable',
        reason: `the GPU host has not answered within ${PROBE_WAIT_MS / 1000} s`,
      };
    return this.current;
  }

  /**
   * Where a GpuBackend connects (ws://127.0.0.1:PORT/TOKEN, for AIA_STUDIO_GPU_HOST); the window
   * starts when a backend first connects.
   */
  async endpoint(): Promise<string> {
    return (await this.openRelay()).url;
  }

  /** Whether win is the host's hidden window (not one of the user's). */
  owns(win: BrowserWindow): boolean {
    return win === this.window;
  }

  dispose(): void {
    this.disposed = true;
    this.window?.destroy();
    void this.relay?.then((relay) => relay.close());
  }

  private openRelay(): Promise<HostEndpoint> {
    this.relay ??= HostEndpoint.open(() => void this.ensure().catch(() => undefined));
    return this.relay;
  }

  private ensure(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('the app is quitting'));
    if (this.current.state === 'unavailable' && !this.window)
      return Promise.reject(new Error(this.current.reason));
    this.started ??= this.start();
    return this.started;
  }

  private setStatus(status: GpuStatus): void {
    this.current = status;
    this.options.onStatus(status);
    if (status.state === 'unavailable') void this.relay?.then((relay) => relay.refuse(status.reason));
  }

  /** Resolves once the page has said hello (its adapter), rejects when it cannot run. */
  private async start(): Promise<void> {
    this.setStatus({ state: 'starting' });
    const relay = await this.openRelay();
    const win = new BrowserWindow({
      show: false,
      width: 64,
      height: 64,
      webPreferences: {
        ...SECURE_WEB_PREFERENCES,
        preload: this.options.preload,
        backgroundThrottling: false,
      },
    });
    this.window = win;
    hardenWindow(win, () => undefined);
    const lost = (reason: string) => {
      if (this.window !== win) return;
      this.window = undefined;
      this.started = undefined;
      if (!win.isDestroyed()) win.destroy();
      if (this.disposed) return;
      // the backends' requests on the page went with it: they fail saying why once the next page greets
      void this.relay?.then((relay) => relay.lost(`the GPU host window's page is gone (${reason})`));
      if (this.restarts.crashed(Date.now())) void this.ensure().catch(() => undefined);
      else this.setStatus({ state: 'unavailable', reason: `the GPU host kept failing (${reason})` });
    };
    win.webContents.on('render-process-gone', (_event, details) => lost(details.reason));
    win.webContents.on('unresponsive', () => win.webContents.forcefullyCrashRenderer());
    return new Promise<void>((ready, failed) => {
      const fail = (reason: string) => {
        clearTimeout(deadline);
        this.setStatus({ state: 'unavailable', reason });
        failed(new Error(reason));
      };
      const deadline = setTimeout(() => {
        if (this.window !== win) return;
        fail(`the GPU host page did not answer within ${GREETING_WAIT_MS / 1000} s`);
        lost('no greeting');
      }, GREETING_WAIT_MS);
      win.webContents.once('did-fail-load', (_event, _code, description) => {
        fail(`the GPU host page did not load: ${description}`);
        lost(description);
      });
      win.webContents.once('did-finish-load', () => {
        const { port1, port2 } = new MessageChannelMain();
        const link = portLink(port1, (error) => {
          fail(error.message);
          lost(error.message);
        });
        relay.attach(link, (greeting) => {
          clearTimeout(deadline);
          let status: GpuStatus;
          try {
            status = greetingStatus(greeting);
          } catch (error) {
            status = {
              state: 'unavailable',
              reason: `the GPU host's greeting did not decode (${String(error)})`,
            };
          }
          if (status.state !== 'ready')
            return fail(status.state === 'unavailable' ? status.reason : 'no adapter');
          this.setStatus(status);
          ready();
        });
        win.webContents.postMessage(DESKTOP_CHANNELS.gpuPort, null, [port2]);
      });
      void win.loadURL(this.options.url).catch(() => undefined);
    });
  }
}
