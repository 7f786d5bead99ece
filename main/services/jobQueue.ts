import type {
  ClearFilter,
  ClusterView,
  Job,
  JobRecipe,
  JobState,
  JournalRepair,
  QueueCounts,
  QueueEvents,
  SubmitResult,
} from '../contract/index.js';
import type { SubmitOptions } from './processingQueue.js';
import type { TypedEvents } from './typedEvents.js';

export type { SubmitOptions };

/** A value now (the local queue holds its jobs in memory) or later (the cluster's are in Redis). */
export type Awaitable<T> = T | Promise<T>;

export interface JobListFilter {
  states?: JobState[];
  source?: string;
  offset?: number;
  limit?: number;
}

/**
 * THE queue the services, the CLI and the API talk to: jobs are an input file and a contract
 * JobRecipe, their records and events the contract's Job and QueueEvents. Two implementations: the
 * local journaled ProcessingQueue (the default: jobs run in this process) and the cluster's
 * ClusterQueue (main/cluster: jobs run on workers, through BullMQ on Redis). A file with the same
 * path, size, mtime and recipe as a job already there is not queued twice on either.
 */
export interface JobQueue {
  readonly events: TypedEvents<QueueEvents>;
  /** What replay dropped from a damaged journal when the queue opened (the local queue only). */
  readonly journalRepair?: JournalRepair;
  submit(inputs: string[], recipe: Partial<JobRecipe>, options?: SubmitOptions): Promise<SubmitResult[]>;
  list(filter?: JobListFilter): Awaitable<Job[]>;
  get(id: string): Awaitable<Job>;
  counts(): Awaitable<QueueCounts>;
  /** Stops starting jobs (the running ones finish). */
  pause(): Awaitable<void>;
  resume(): Awaitable<void>;
  cancel(id: string): Awaitable<Job>;
  retry(id: string): Awaitable<Job>;
  setPriority(id: string, priority: number): Awaitable<Job>;
  /** Takes finished jobs out of the history; their products stay. Returns how many. */
  clearFinished(filter?: ClearFilter): Awaitable<number>;
  /** Resolves when no job is queued or running (or the queue is paused with none running). */
  idle(): Promise<void>;
  close(): Promise<void>;
  /** The cluster's workers (cluster mode only: the local queue has none). */
  workers?(): Promise<ClusterView>;
}
