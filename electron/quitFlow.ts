import { app, dialog } from 'electron';
import type { GpuHost } from './gpuHost.js';
import type { ServicesProcess } from './servicesProcess.js';
import { filesWaitingOnQuit, type QuitState } from './windowLifecycle.js';

/** How long quitting waits for the queue's counts before quitting without asking. */
const COUNTS_WAIT_MS = 5000;
/**
 * How long the services may take to finish the file in hand and close the journal before their
 * process is ended (the journal then resumes that file at the next start).
 */
export const SERVICES_CLOSE_WAIT_MS = 60_000;

export interface QuitFlowOptions {
  appName: string;
  services: ServicesProcess;
  gpu: GpuHost;
  /** Hide the user's windows while the queue finishes; bring the main window back (or a new one). */
  hideWindows: () => void;
  restoreWindow: () => void;
}

/**
 * Quitting never loses work: the journal keeps every queued file. With files still queued or
 * running, the user picks: quit now (the file being processed finishes, the rest continue at the next
 * start), finish the queue first (the window goes, the process stays until the queue is empty, and
 * opening a file takes that back), or stay. Every wait is bounded: a services process that does not
 * answer is not allowed to keep the app from quitting.
 */
export class QuitFlow {
  private current: QuitState = 'running';
  private takeBack?: () => void;

  constructor(private readonly options: QuitFlowOptions) {}

  get state(): QuitState {
    return this.current;
  }

  /** app 'before-quit': Electron's quit waits until this flow has closed the services. */
  onBeforeQuit(event: { preventDefault(): void }): void {
    if (this.current === 'closed') return;
    event.preventDefault();
    if (this.current === 'finishing') return void this.close(); // quit again: now
    if (this.current !== 'running') return;
    this.current = 'asking';
    void this.ask().then((quit) => {
      if (this.current === 'closing' || this.current === 'closed') return; // quit again meanwhile
      if (quit) return this.close();
      this.current = 'running';
      this.options.restoreWindow();
    });
  }

  /** The user came back (opened a file, clicked the Dock) while the queue was finishing. */
  cancelFinishing(): void {
    this.takeBack?.();
  }

  /** The services cannot run at all: end without asking (there is nothing to finish). */
  quitNow(): void {
    this.current = 'closed';
    this.options.gpu.dispose();
    app.quit();
  }

  private async close(): Promise<void> {
    if (this.current === 'closing' || this.current === 'closed') return;
    this.current = 'closing';
    this.options.gpu.dispose();
    await this.options.services.close(SERVICES_CLOSE_WAIT_MS);
    this.current = 'closed';
    app.quit();
  }

  /** Whether to quit (after the queue has finished, if the user chose that). */
  private async ask(): Promise<boolean> {
    const { services, appName } = this.options;
    const [reply, where] = await Promise.all([
      bounded(services.call('listJobs', { limit: 0 }), COUNTS_WAIT_MS),
      bounded(services.call('listWorkers', {}), COUNTS_WAIT_MS),
    ]);
    const counts = reply?.ok ? reply.result.counts : undefined;
    if (!counts || filesWaitingOnQuit(counts, where?.ok ? where.result.cluster : undefined) === 0)
      return true;
    const { response } = await dialog.showMessageBox({
      type: 'question',
      title: `Quit ${appName}`,
      message: `${counts.running} file(s) processing, ${counts.queued} queued.`,
      detail:
        `Quit now: the file being processed is finished first; queued files stay in the queue and continue when ${appName} starts again.\n` +
        `Finish the queue: the window closes now and ${appName} quits when the last file is done.`,
      buttons: ['Quit Now', 'Finish the Queue, Then Quit', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
    });
    if (response === 0) return true;
    if (response === 2) return false;
    this.current = 'finishing';
    this.options.hideWindows();
    const takenBack = new Promise<'taken back'>((resolve) => (this.takeBack = () => resolve('taken back')));
    const outcome = await Promise.race([services.idle().catch(() => 'idle' as const), takenBack]);
    this.takeBack = undefined;
    return outcome !== 'taken back';
  }
}

/** The promise's value, or undefined once ms have passed without one. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
