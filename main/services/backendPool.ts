import type { BackendChoice, QueueEvents } from '../contract/index.js';
import { openJobLanes, type JobLanes, type JobLanesOptions } from './jobRunner.js';
import type { TypedEvents } from './typedEvents.js';

export interface BackendPoolOptions extends JobLanesOptions {
  /** How long a backend no job needs is kept (ms) before it is released. */
  lingerMs?: number;
}

/** Open lanes and the timer that releases them. */
interface PooledLanes extends JobLanes {
  linger?: NodeJS.Timeout;
}

/**
 * The queue's compute backends: one set of lanes per backend choice (chooseBackend: 'auto' falls
 * back to the CPU and says why), each lane a JobRunner: the CPU backend's lanes are job threads (the
 * backend lives on them, so no compute runs on the services' event loop), a GPU backend's run here
 * (its kernels run in the GPU host). Started when a job first needs it and kept while jobs need it, then
 * released after a while (lingerMs): the GPU host is a whole Chromium and the CPU backend a worker per
 * core, both worth giving back when a batch is done, neither worth restarting for every file of a
 * watch folder. Says so with the backendOpened and backendReleased events.
 */
export class BackendPool {
  private readonly backends = new Map<BackendChoice, PooledLanes>();

  constructor(
    private readonly options: BackendPoolOptions,
    /** Whether a job running or queued runs on this choice's backend. */
    private readonly needs: (choice: BackendChoice) => boolean,
    private readonly events: TypedEvents<QueueEvents>,
  ) {}

  /** Whether a job on this choice could start now: its backend is not open yet or has an idle lane. */
  hasIdleLane(choice: BackendChoice): boolean {
    const open = this.backends.get(choice);
    return !open || open.lanes.idle > 0;
  }

  /** The choice's lanes, opened if they aren't, and kept (a pending release is called off). */
  acquire(choice: BackendChoice): JobLanes {
    let open = this.backends.get(choice);
    if (!open) {
      open = openJobLanes(choice, this.options);
      this.backends.set(choice, open);
      this.events.emit('backendOpened', { choice, note: open.note });
    }
    clearTimeout(open.linger);
    open.linger = undefined;
    return open;
  }

  /** Schedules the release of the backends no queued or running job asks for, after lingerMs. */
  releaseUnneeded(): void {
    for (const [choice, open] of this.backends) {
      if (this.needs(choice) || open.linger) continue;
      open.linger = setTimeout(() => void this.release(choice), this.options.lingerMs ?? 60_000);
      open.linger.unref();
    }
  }

  /** Releases every backend, needed or not (the queue is closing and no job runs). */
  async close(): Promise<void> {
    await Promise.all([...this.backends.keys()].map((choice) => this.release(choice, true)));
  }

  private async release(choice: BackendChoice, evenIfNeeded = false): Promise<void> {
    const open = this.backends.get(choice);
    if (!open) return;
    clearTimeout(open.linger);
    open.linger = undefined;
    if (!evenIfNeeded && this.needs(choice)) return;
    this.backends.delete(choice);
    await open.lanes.dispose();
    this.events.emit('backendReleased', { choice });
  }
}
