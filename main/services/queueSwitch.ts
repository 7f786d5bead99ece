import {
  InvalidRequestError,
  type ClearFilter,
  type ClusterView,
  type JobRecipe,
  type QueueEvents,
  type RunJobsOn,
} from '../contract/index.js';
import type { JobListFilter, JobQueue, SubmitOptions } from './jobQueue.js';
import { TypedEvents } from './typedEvents.js';

/** Opens a queue with `listen` attached to its events before it starts. */
export type OpenQueue = (listen: (events: TypedEvents<QueueEvents>) => void) => Promise<JobQueue>;
/** Opens the queue of the cluster at a Redis URL (ClusterQueue.open), or fails saying why. */
export type OpenCluster = (
  url: string,
  listen: (events: TypedEvents<QueueEvents>) => void,
) => Promise<JobQueue>;

/** Where the settings say jobs run. */
export interface RunTarget {
  runJobsOn: RunJobsOn;
  clusterUrl?: string;
}

/** The cluster could not be used (unreachable, misconfigured): the reply's kind, for the UI. */
export class ClusterUnavailableError extends Error {
  override name = 'ClusterUnavailableError';
  readonly code = 'cluster-unavailable';
}

/**
 * The queue of the settings' "run jobs on: this computer | cluster at URL", switched without a restart.
 * The local queue stays open throughout (its journal, its data-folder lock, the fallback); a cluster's
 * queue takes its place while chosen. Commands go to the current queue and only its events come out,
 * so the views, the watch folders and the image access follow the switch.
 *
 * A switch to a cluster is refused while jobs are queued or running here: they would run unseen behind
 * the cluster's Queue view, and a quit would not wait for them. Back to this computer is always
 * allowed: the cluster's jobs stay in its Redis and its workers carry on.
 */
export class QueueSwitch implements JobQueue {
  readonly events = new TypedEvents<QueueEvents>();
  private local!: JobQueue;
  private cluster?: { url: string; queue: JobQueue };
  /** The events object whose events come out: the current queue's. */
  private active?: TypedEvents<QueueEvents>;
  private problem?: string;
  /** One switch at a time, in order. */
  private switching: Promise<unknown> = Promise.resolve();

  private constructor(private readonly openCluster?: OpenCluster) {}

  /**
   * Opens the local queue, then the saved cluster if the target names one; a cluster that cannot be
   * used leaves jobs on this computer, with the reason in `workers().problem`.
   */
  static async open({
    listen,
    openLocal,
    openCluster,
    target,
  }: {
    /** Attached to the switch's events before the local queue opens, so it hears its recovery. */
    listen?: (events: TypedEvents<QueueEvents>) => void;
    openLocal: OpenQueue;
    openCluster?: OpenCluster;
    target?: RunTarget;
  }): Promise<QueueSwitch> {
    const queues = new QueueSwitch(openCluster);
    listen?.(queues.events);
    queues.local = await openLocal((events) => {
      queues.active = events;
      queues.forward(events);
    });
    if (target?.runJobsOn === 'cluster')
      await queues.apply(target).catch((error: Error) => {
        queues.problem = `jobs run on this computer: ${error.message}`;
      });
    return queues;
  }

  /** The cluster's queue while one is chosen, else the local one. */
  private get current(): JobQueue {
    return this.cluster?.queue ?? this.local;
  }

  get journalRepair() {
    return this.current.journalRepair;
  }

  /** Switches to the target; throws (and changes nothing) when it cannot. */
  apply(target: RunTarget): Promise<void> {
    const run = this.switching.then(() => this.switchTo(target));
    this.switching = run.catch(() => undefined);
    return run;
  }

  private async switchTo({ runJobsOn, clusterUrl }: RunTarget): Promise<void> {
    if (runJobsOn === 'local') {
      if (this.cluster) await this.use(undefined);
      this.problem = undefined;
      return;
    }
    if (!clusterUrl)
      throw new InvalidRequestError(
        'give the cluster’s Redis URL (redis://HOST:PORT) to run jobs on a cluster',
      );
    if (!this.openCluster) throw new InvalidRequestError('this program runs its jobs on this computer only');
    if (this.cluster?.url === clusterUrl) return;
    if (!this.cluster) await this.refuseWhileLocalBusy();
    let queue: JobQueue;
    try {
      queue = await this.openCluster(clusterUrl, (events) => this.forward(events));
    } catch (error) {
      throw new ClusterUnavailableError((error as Error).message);
    }
    // jobs submitted here while the cluster's Redis was checked
    if (!this.cluster)
      await this.refuseWhileLocalBusy().catch(async (error: unknown) => {
        await queue.close();
        throw error;
      });
    await this.use({ url: clusterUrl, queue });
    this.problem = undefined;
  }

  private async refuseWhileLocalBusy(): Promise<void> {
    const { queued, running } = await this.local.counts();
    if (queued + running > 0)
      throw new InvalidRequestError(
        `${queued} job(s) queued and ${running} running on this computer: let them finish (or cancel them) ` +
          'before jobs run on a cluster, or they would run here unseen',
      );
  }

  /** Makes `next` (or the local queue) current, closes the cluster left, and tells the views. */
  private async use(next: { url: string; queue: JobQueue } | undefined): Promise<void> {
    const left = this.cluster;
    this.cluster = next;
    this.active = this.current.events;
    await left?.queue.close();
    this.events.emit('workers', await this.workers());
    this.events.emit('queueProgress', await this.current.counts());
  }

  private forward(events: TypedEvents<QueueEvents>): void {
    events.onAny((name, payload) => {
      if (events === this.active) this.events.emit(name, payload);
    });
  }

  async workers(): Promise<ClusterView> {
    const queue = this.current;
    if (queue.workers) return queue.workers();
    return this.problem ? { workers: [], problem: this.problem } : { workers: [] };
  }

  submit(inputs: string[], recipe: Partial<JobRecipe>, options?: SubmitOptions) {
    return this.current.submit(inputs, recipe, options);
  }
  list(filter?: JobListFilter) {
    return this.current.list(filter);
  }
  get(id: string) {
    return this.current.get(id);
  }
  counts() {
    return this.current.counts();
  }
  pause() {
    return this.current.pause();
  }
  resume() {
    return this.current.resume();
  }
  cancel(id: string) {
    return this.current.cancel(id);
  }
  retry(id: string) {
    return this.current.retry(id);
  }
  setPriority(id: string, priority: number) {
    return this.current.setPriority(id, priority);
  }
  clearFinished(filter?: ClearFilter) {
    return this.current.clearFinished(filter);
  }
  idle() {
    return this.current.idle();
  }

  async close(): Promise<void> {
    await this.switching;
    await this.cluster?.queue.close();
    await this.local.close();
  }
}
