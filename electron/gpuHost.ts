import { BrowserWindow, MessageChannelMain, type MessagePortMain } from 'electron';
import { HostEndpoint, type HostLink } from '../main/gpuHost/hostEndpoint.js';
import { decodeMessage, OP, textPayload, type AdapterReport } from '../main/engine/compute/gpu/protocol.js';
import { DESKTOP_CHANNELS, type GpuAdapterSummary, type GpuStatus } from './desktopChannels.js';
import { RestartPolicy } from '../main/restartPolicy.js';
import { hardenWindow, SECURE_WEB_PREFERENCES } from './windows.js';

export interface GpuHostOptions {
  /** app://…/gpu/host.html: the GPU host page (resources/gpu-host, built into dist/electron/gpu). */
  url: string;
  preload: string;
  onStatus: (status: GpuStatus) => void;
}

function linkOf(port: MessagePortMain): HostLink {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on('message', (event) => listener(event.data as ArrayBuffer));
      port.start();
    },
  };
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

  /** The adapter (starting the host if needed), or why there is none. */
  async probe(): Promise<GpuStatus> {
    await this.ensure().catch(() => undefined);
    return this.current;
  }

  /**
   * Where a GpuBackend connects (ws://127.0.0.1:PORT/TOKEN, for AIA_STUDIO_GPU_HOST); the window
   * starts when a backend first connects.
   */
  async endpoint(): Promise<string> {
    return (await this.openRelay()).url;
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
      win.webContents.once('did-fail-load', (_event, _code, description) => {
        failed(new Error(`the GPU host page did not load: ${description}`));
        lost(description);
      });
      win.webContents.once('did-finish-load', () => {
        const { port1, port2 } = new MessageChannelMain();
        relay.attach(linkOf(port1), (greeting) => {
          const said = decodeMessage(greeting);
          if (said.op === OP.hello) {
            this.setStatus({ state: 'ready', adapter: summary(JSON.parse(textPayload(said.payloads[1]))) });
            ready();
          } else {
            const reason = textPayload(said.payloads[0]);
            this.setStatus({ state: 'unavailable', reason });
            failed(new Error(reason));
          }
        });
        win.webContents.postMessage(DESKTOP_CHANNELS.gpuPort, null, [port2]);
      });
      void win.loadURL(this.options.url).catch(() => undefined);
    });
  }
}

function summary(report: AdapterReport): GpuAdapterSummary {
  const { mode, software, vendor, architecture, device, features, limits } = report;
  return {
    mode,
    software,
    vendor,
    architecture,
    device,
    description: report.description,
    features,
    limits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    },
  };
}
