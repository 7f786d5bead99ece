import { FINISHED_STATES, JOB_STATES, type Job } from '../contract/index.js';

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
      qa?: Job['qa'];
    }
  | {
      t: 'fail';
      id: string;
      at: string;
      error: string;
      errorKind: string;
      /** Absent in journals older than it: such a failure counts as transient (retry allowed). */
      failure?: Job['failure'];
      wallMs?: number;
      stages?: Job['stages'];
      backend?: string;
    }
  | { t: 'cancel'; id: string; at: string }
  /** `fresh`: a user's retry, which starts the count of interrupted attempts again. */
  | { t: 'requeue'; id: string; fresh?: boolean }
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
        failure: record.failure,
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
      if (record.fresh) job.attempts = 0;
      break;
    case 'priority':
      job.priority = record.priority;
      break;
  }
  if (job.state !== 'running') {
    delete job.stage;
    delete job.progress;
    delete job.cancelRequested;
  }
  if (job.state === 'queued') {
    delete job.error;
    delete job.errorKind;
    delete job.failure;
    delete job.finishedAt;
  }
  return job;
}

/** Whether a job has ended (done, failed or cancelled): only those leave the history. */
export function isFinished(job: Job | undefined): boolean {
  return (FINISHED_STATES as readonly string[]).includes(job?.state ?? '');
}

/**
 * What is wrong with a journal line's record, or undefined when it is a record applyRecord can take:
 * the replay checks every line's shape, so a damaged or hand-edited line is dropped and named instead
 * of failing deep inside the queue ("reading 'path'" of a submit without its input).
 */
export function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a record';
  const field = (name: string, kind: 'string' | 'number' | 'boolean' | 'array' | 'object', of = value) =>
    kind === 'array'
      ? Array.isArray(of[name])
      : kind === 'object'
        ? isObject(of[name])
        : typeof of[name] === kind && (kind !== 'number' || Number.isFinite(of[name]));
  const need = (checks: [string, Parameters<typeof field>[1]][], of = value, prefix = '') => {
    const missing = checks.find(([name, kind]) => !field(name, kind, of));
    return missing && `a '${String(value.t)}' record without a valid ${prefix}${missing[0]}`;
  };
  switch (value.t) {
    case 'submit': {
      const job = value.job;
      if (!isObject(job)) return "a 'submit' record without a job";
      return (
        need(
          [
            ['id', 'string'],
            ['seq', 'number'],
            ['input', 'object'],
            ['recipe', 'object'],
            ['recipeKey', 'string'],
            ['priority', 'number'],
            ['source', 'string'],
            ['state', 'string'],
            ['attempts', 'number'],
            ['submittedAt', 'string'],
            ['outputs', 'array'],
            ['warnings', 'array'],
          ],
          job,
          'job.',
        ) ??
        need(
          [
            ['path', 'string'],
            ['size', 'number'],
            ['mtimeMs', 'number'],
          ],
          job.input as Record<string, unknown>,
          'job.input.',
        ) ??
        need(
          [
            ['outputDir', 'string'],
            ['levels', 'array'],
          ],
          job.recipe as Record<string, unknown>,
          'job.recipe.',
        ) ??
        ((JOB_STATES as readonly unknown[]).includes(job.state) ? undefined : `a job in no known state`) ??
        outputsProblem(job.outputs, 'job.outputs')
      );
    }
    case 'start':
    case 'cancel':
      return need([
        ['id', 'string'],
        ['at', 'string'],
      ]);
    case 'done':
      return (
        need([
          ['id', 'string'],
          ['at', 'string'],
          ['outputs', 'array'],
          ['warnings', 'array'],
        ]) ?? outputsProblem(value.outputs, 'outputs')
      );
    case 'fail':
      return need([
        ['id', 'string'],
        ['at', 'string'],
        ['error', 'string'],
      ]);
    case 'requeue':
      return need([['id', 'string']]);
    case 'priority':
      return need([
        ['id', 'string'],
        ['priority', 'number'],
      ]);
    case 'paused':
      return need([['paused', 'boolean']]);
    case 'clear':
      return (value.ids as unknown[] | undefined)?.every?.((id) => typeof id === 'string')
        ? undefined
        : "a 'clear' record without a valid ids";
    default:
      return `an unknown record type ${JSON.stringify(value.t)?.slice(0, 40)}`;
  }
}

/** Outputs are what ownership and the done check read: {path, size} each. */
function outputsProblem(outputs: unknown, name: string): string | undefined {
  const sound = (outputs as unknown[]).every(
    (o) => isObject(o) && typeof o.path === 'string' && typeof o.size === 'number',
  );
  return sound ? undefined : `a record whose ${name} are not {path, size}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
