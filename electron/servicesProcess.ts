import { utilityProcess, type UtilityProcess } from 'electron';
import type { CommandName, CommandRequest, CommandResponse, Reply } from '../main/contract/index.js';
import { ChannelClosedError, RequestChannel } from './portChannel.js';
import { RestartPolicy } from '../main/restartPolicy.js';

/** What the main process sends the services' utility process (servicesHost.ts). */
export type ServicesRequest = { command: CommandName; request: unknown } | { control: 'idle' | 'close' };

export interface ServicesProcessOptions {
  /** dist/electron/servicesBootstrap.cjs */
  entry: string;
  dataDir: string;
  cacheDir?: string;
  /** The GPU window's relay (GpuHost.endpoint): the services' GPU backends run their kernels there. */
  gpuHost?: string;
  /** Every services event (the contract's events), to forward to the window and to notifications. */
  onEvent: (event: string, payload: unknown) => void;
  /** The services could not start (data folder in use by another AIA Studio…), or kept crashing. */
  onFatal: (message: string) => void;
}

/**
 * The services in their own process, started with the app and started again if it crashes (the
 * journal resumes the queue). Commands travel as { command, request } and come back as the
 * contract's Reply, so the IPC table forwards them untouched.
 */
export class ServicesProcess {
  private child!: UtilityProcess;
  private channel!: RequestChannel;
  private readonly restarts = new RestartPolicy();
  private closing = false;

  constructor(private readonly options: ServicesProcessOptions) {
    this.spawn();
  }

  /** The services host answers a command with dispatchCommand's Reply for it (servicesHost.ts). */
  call<K extends CommandName>(command: K, request: CommandRequest<K>): Promise<Reply<CommandResponse<K>>> {
    return this.channel
      .request<Reply<CommandResponse<K>>>({ command, request } satisfies ServicesRequest)
      .catch((error: Error) => ({ ok: false, error: { message: error.message, kind: 'internal' } }));
  }

  /** Resolves when the queue has nothing queued or running. */
  async idle(): Promise<void> {
    await this.channel.request({ control: 'idle' } satisfies ServicesRequest);
  }

  /**
   * Lets the running file finish, closes the journal and the watchers, and ends the process; one
   * that has not ended within waitMs (hung, or never listening) is killed: the journal resumes.
   */
  async close(waitMs: number): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (child.pid === undefined) return; // never started or already gone
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const timer = setTimeout(() => child.kill(), waitMs);
    void this.channel.request({ control: 'close' } satisfies ServicesRequest).catch(() => undefined);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const env: NodeJS.ProcessEnv = { ...process.env, AIA_STUDIO_DATA: this.options.dataDir };
    if (this.options.cacheDir) env.AIA_STUDIO_CACHE = this.options.cacheDir;
    if (this.options.gpuHost) env.AIA_STUDIO_GPU_HOST = this.options.gpuHost;
    const child = utilityProcess.fork(this.options.entry, [], {
      serviceName: 'AIA Studio services',
      env,
      stdio: 'inherit',
    });
    const channel = new RequestChannel(
      {
        postMessage: (message) => child.postMessage(message),
        onMessage: (listener) => child.on('message', listener),
      },
      (event, payload) => {
        if (event === '$fatal') {
          this.closing = true; // starting it again would fail the same way
          this.options.onFatal(String(payload));
        } else if (event !== '$ready') this.options.onEvent(event, payload);
      },
    );
    child.once('exit', (code) => {
      channel.close(new ChannelClosedError(`the services process stopped (exit code ${code})`));
      if (this.closing || this.child !== child) return;
      if (this.restarts.crashed(Date.now())) this.spawn();
      else this.options.onFatal(`the services process kept stopping (exit code ${code})`);
    });
    this.child = child;
    this.channel = channel;
  }
}
