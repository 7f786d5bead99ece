import { createHash } from 'node:crypto';
import type { Job as BullJob, JobState as BullState } from 'bullmq';
import {
  validateRequest,
  type InputIdentity,
  type Job,
  type JobRecipe,
  type JobState,
} from '../contract/index.js';
import type { ProcessOutcome } from '../engine/pipeline/processFile.js';
import { normaliseRecipe, recipeKey } from '../services/jobRecipe.js';
import { CLUSTER_QUEUE } from './clusterConnection.js';

/** Where a submitter publishes the id of a running job to cancel; every worker listens. */
export const CANCEL_CHANNEL = `aia-studio:${CLUSTER_QUEUE}:cancel`;

/** What a cluster job carries in Redis: the file by absolute path and identity, and the recipe. */
export interface ClusterJobData {
  input: InputIdentity;
  recipe: JobRecipe;
  recipeKey: string;
  /** 'batch' or a watch folder's id, as for a local job. */
  source: string;
  /**
   * Set by the worker on a job that failed: the kind (as errorKind, or 'cancelled') and the worker
   * that said so.
   */
  failure?: { kind: string; worker: string };
  /** Set by a submitter to cancel the job while it runs (a worker that takes it over sees it too). */
  cancelRequested?: boolean;
}

/** What a worker returns for a job done (BullMQ keeps it as the job's return value). */
export interface ClusterJobResult {
  outputs: { path: string; size: number }[];
  warnings: string[];
  stages: ProcessOutcome['stages'];
  qa: ProcessOutcome['qa'];
  wallMs: number;
  /** The backend's note on the worker ('backend: cpu', 'backend: gpu (NVIDIA …)'). */
  backend: string;
  worker: string;
}

/**
 * The job's id from the file (absolute path, size, mtime) and the recipe: the same batch submitted
 * twice, from anywhere, names the same jobs, and BullMQ adds no job whose id it already holds.
 */
export function clusterJobId(input: InputIdentity, key: string): string {
  const digest = createHash('sha256')
    .update(`${input.path}\0${input.size}\0${input.mtimeMs}\0${key}`)
    .digest('hex');
  return `aia-${digest.slice(0, 32)}`;
}

/**
 * A cluster message checked by the contract's validator (the same door as every other request: an
 * absolute path, a recipe of known keys) and then by the recipe's own rules; its id must be the one
 * its content gives. Returns the problem, or undefined when it is sound.
 */
export function clusterJobProblem(id: string | undefined, data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return 'the job carries no data';
  const { input, recipe, recipeKey: key, source } = data as Partial<ClusterJobData>;
  if (
    typeof input !== 'object' ||
    input === null ||
    !Number.isFinite(input.size) ||
    !Number.isFinite(input.mtimeMs) ||
    typeof source !== 'string'
  )
    return 'the job has no input identity (path, size, mtime) or source';
  const valid = validateRequest('submitBatch', { inputs: [input.path], recipe });
  if (!valid.ok) return `the job's message is malformed: ${valid.error.message}`;
  let normal: JobRecipe;
  try {
    normal = normaliseRecipe(recipe);
  } catch (error) {
    return `the job's recipe is not valid: ${(error as Error).message}`;
  }
  if (recipeKey(normal) !== key) return "the job's recipe key does not match its recipe";
  if (id !== clusterJobId(input, key)) return "the job's id does not match its file and recipe";
  return undefined;
}

/**
 * BullMQ's priorities run from 1 (first) up, and jobs without one jump ahead of every prioritised
 * job; the contract's run higher first, 0 by default. Every job gets one, the contract's mirrored
 * around the middle of BullMQ's range.
 */
export const PRIORITY_ZERO = 2 ** 20;
export const bullPriority = (priority: number) =>
  Math.min(2 ** 21 - 1, Math.max(1, PRIORITY_ZERO - Math.round(priority)));

const STATE_OF: Partial<Record<BullState | 'unknown', JobState>> = {
  completed: 'done',
  failed: 'failed',
  active: 'running',
  waiting: 'queued',
  'waiting-children': 'queued',
  prioritized: 'queued',
  delayed: 'queued',
};

/**
 * The contract's states as BullMQ's job types (a cancelled cluster job is removed, so none is: a running
 * one by its worker once it stopped).
 */
export const BULL_TYPES_OF: Record<JobState, BullState[]> = {
  queued: ['waiting', 'prioritized', 'delayed'],
  running: ['active'],
  done: ['completed'],
  failed: ['failed'],
  cancelled: [],
};

/** A BullMQ job as the contract's Job record: what the Queue view, the CLI and the API show. */
export function contractJob(
  job: BullJob<ClusterJobData, ClusterJobResult>,
  state: BullState | 'unknown',
): Job {
  // a job put on the queue by something other than a submitter: shown as what it is, its own fields unread
  const malformed = clusterJobProblem(job.id, job.data);
  const data: ClusterJobData = malformed ? malformedJobData(job.id) : job.data;
  const result = state === 'completed' ? job.returnvalue : undefined;
  const at = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);
  const record: Job = {
    id: job.id ?? '',
    seq: job.timestamp,
    input: data.input,
    recipe: data.recipe,
    recipeKey: data.recipeKey,
    priority: PRIORITY_ZERO - (job.priority || PRIORITY_ZERO),
    source: data.source,
    state: STATE_OF[state] ?? 'queued',
    attempts: job.attemptsStarted ?? job.attemptsMade,
    submittedAt: at(job.timestamp)!,
    outputs: result?.outputs ?? [],
    warnings: result?.warnings ?? [],
  };
  const started = at(job.processedOn);
  if (started) record.startedAt = started;
  const finished = state === 'completed' || state === 'failed' ? at(job.finishedOn) : undefined;
  if (finished) record.finishedAt = finished;
  if (result) {
    record.wallMs = result.wallMs;
    record.backend = result.backend;
    record.stages = result.stages;
    record.qa = result.qa;
  }
  const worker = result?.worker ?? data.failure?.worker ?? job.processedBy;
  if (worker) record.worker = worker;
  if (state === 'active' && data.cancelRequested) record.cancelRequested = true;
  if (state === 'failed' && data.failure?.kind === 'cancelled') record.state = 'cancelled';
  else if (state === 'failed') {
    record.error = job.failedReason;
    record.errorKind = malformed ? 'rejected' : (data.failure?.kind ?? 'internal');
  }
  return record;
}

/** What a malformed job is listed with: its id for a path, the default recipe, the source saying why. */
function malformedJobData(id: string | undefined): ClusterJobData {
  const recipe = normaliseRecipe({ outputDir: '/' });
  return {
    input: { path: `(malformed cluster job ${id ?? ''})`, size: 0, mtimeMs: 0 },
    recipe,
    recipeKey: recipeKey(recipe),
    source: 'malformed',
  };
}
