import type { Stage, StageMetrics } from '../engine/pipeline/stageMetrics.js';
import type { ProductQa } from '../engine/qa/index.js';
import type { JobRecipe } from './jobRecipe.js';

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** The states a job ends in: only these can be cleared from the history. */
export const FINISHED_STATES = ['done', 'failed', 'cancelled'] as const satisfies readonly JobState[];
export type FinishedState = (typeof FINISHED_STATES)[number];

/** What identifies an input file's content cheaply: its path, size and modification time. */
export interface InputIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface Job {
  id: string;
  /** Submission order, the tie-breaker between equal priorities. */
  seq: number;
  input: InputIdentity;
  recipe: JobRecipe;
  recipeKey: string;
  /** Higher runs first. */
  priority: number;
  /** Who submitted it: 'batch' or a watch folder's id. */
  source: string;
  state: JobState;
  /** The stage a running job is in, as far as the queue can see. */
  stage?: Stage;
  /** Times it was started, counting starts a crash interrupted. */
  attempts: number;
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Wall time of the last run, read to write. */
  wallMs?: number;
  /** The compute backend of the last run, as chosen ('backend: cpu (auto: no GPU device …)'). */
  backend?: string;
  outputs: { path: string; size: number }[];
  warnings: string[];
  error?: string;
  errorKind?: string;
  stages?: Partial<Record<Stage, StageMetrics>>;
  /** Each output's QA metrics and flags (same order as outputs), measured while it was made. */
  qa?: ProductQa[];
  /** Set on a running job whose cancellation waits for the file to finish. */
  cancelRequested?: boolean;
}

/** One line of the journal: every change of the queue's state is one record, applied in order. */
export type JobRecord =
  | { t: 'submit'; job: Job }
  | { t: 'start'; id: string; at: string }
  | {
      t: 'done';
      id: string;
      at: string;
      wallMs: number;
      outputs: Job['outputs'];
      warnings: string[];
      stages: Job['stages'];
      backend?: string;
      qa?: ProductQa[];
    }
  | {
      t: 'fail';
      id: string;
      at: string;
      error: string;
      errorKind: string;
      wallMs?: number;
      stages?: Job['stages'];
      backend?: string;
    }
  | { t: 'cancel'; id: string; at: string }
  | { t: 'requeue'; id: string }
  | { t: 'priority'; id: string; priority: number }
  | { t: 'paused'; paused: boolean }
  /** Finished jobs taken out of the history (by the user, or by the bound on a long watch). */
  | { t: 'clear'; ids: string[] };

export interface QueueSnapshot {
  jobs: Map<string, Job>;
  paused: boolean;
}

/**
 * The one place a record changes the queue's state, used both live and when the journal is replayed,
 * so what a restart rebuilds is exactly what was running. Records naming an unknown job are ignored
 * (a job record can't precede its submit record, except in a hand-edited journal).
 */
export function applyRecord(state: QueueSnapshot, record: JobRecord): Job | undefined {
  if (record.t === 'paused') {
    state.paused = record.paused;
    return undefined;
  }
  if (record.t === 'clear') {
    for (const id of record.ids) if (isFinished(state.jobs.get(id))) state.jobs.delete(id);
    return undefined;
  }
  if (record.t === 'submit') {
    state.jobs.set(record.job.id, record.job);
    return record.job;
  }
  const job = state.jobs.get(record.id);
  if (!job) return undefined;
  switch (record.t) {
    case 'start':
      Object.assign(job, {
        state: 'running',
        stage: 'read',
        startedAt: record.at,
        attempts: job.attempts + 1,
      });
      break;
    case 'done':
      Object.assign(job, {
        state: 'done',
        finishedAt: record.at,
        wallMs: record.wallMs,
        outputs: record.outputs,
        warnings: record.warnings,
        stages: record.stages,
        backend: record.backend,
        qa: record.qa,
      });
      break;
    case 'fail':
      Object.assign(job, {
        state: 'failed',
        finishedAt: record.at,
        error: record.error,
        errorKind: record.errorKind,
        wallMs: record.wallMs,
        stages: record.stages,
        backend: record.backend,
      });
      break;
    case 'cancel':
      Object.assign(job, { state: 'cancelled', finishedAt: record.at });
      break;
    case 'requeue':
      job.state = 'queued';
      break;
    case 'priority':
      job.priority = record.priority;
      break;
  }
  if (job.state !== 'running') {
    delete job.stage;
    delete job.cancelRequested;
  }
  if (job.state === 'queued') {
    delete job.error;
    delete job.errorKind;
    delete job.finishedAt;
  }
  return job;
}

/** Whether a job has ended (done, failed or cancelled): only those leave the history. */
export function isFinished(job: Job | undefined): boolean {
  return (FINISHED_STATES as readonly string[]).includes(job?.state ?? '');
}
