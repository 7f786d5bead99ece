import type { Stage, StageMetrics, StageProgress } from '../../../main/contract/index.js';

/** The parts of a Job the progress figures read. */
export interface ProgressJob {
  state: string;
  recipe: { levels: readonly string[] };
  startedAt?: string;
  finishedAt?: string;
  outputs?: readonly unknown[];
  stage?: Stage;
  progress?: StageProgress;
  stages?: Partial<Record<Stage, StageMetrics>>;
}

/** Throughput and time left of the batch in progress (or the last one). */
export interface BatchProgress {
  finished: number;
  remaining: number;
  /** Files finished per minute of the batch's busy time (time with a job running; idle gaps left out). */
  filesPerMinute: number;
  /** Milliseconds to go, undefined until the batch has measured how fast it goes. */
  etaMs?: number;
  /** The stage times the figures (and each running job's jobShare) go by. */
  costs: StageCosts;
}

/** Wall ms of one run of each stage. */
export type StageCosts = Record<Stage, number>;

/** One run of a stage in a job, for the product `level` when it runs once per product. */
interface Step {
  stage: Stage;
  level?: string;
}

const PER_PRODUCT: readonly Stage[] = ['register', 'statistics', 'encode', 'write'];

/**
 * Rough wall ms of each stage of a 4096² frame on the CPU: only the weights of a job's stages until
 * this batch (or an earlier one) has measured its own, scaled to the stages it has measured.
 */
const TYPICAL_MS: StageCosts = {
  read: 100,
  decode: 500,
  prepare: 300,
  deconvolve: 20_000,
  register: 1500,
  statistics: 500,
  encode: 300,
  write: 300,
};

/** A job's stages in the order processFile runs them: deconvolve then the four product stages per level. */
export function jobSteps(levels: readonly string[]): Step[] {
  const steps: Step[] = [{ stage: 'read' }, { stage: 'decode' }, { stage: 'prepare' }];
  for (const level of levels) {
    if (level === '1.6') steps.push({ stage: 'deconvolve', level });
    for (const stage of PER_PRODUCT) steps.push({ stage, level });
  }
  return steps;
}

/**
 * Mean wall ms of one run of each stage over the done jobs given (a per-product stage's time is
 * summed over the products, so it is shared among them); a stage none of them ran gets its typical
 * time, scaled as the measured stages are to theirs.
 */
export function stageCosts(done: readonly ProgressJob[]): StageCosts {
  const sums = new Map<Stage, { ms: number; runs: number }>();
  for (const job of done) {
    for (const [stage, metrics] of Object.entries(job.stages ?? {}) as [Stage, StageMetrics][]) {
      const products = PER_PRODUCT.includes(stage) ? Math.max(1, job.outputs?.length ?? 1) : 1;
      const sum = sums.get(stage) ?? { ms: 0, runs: 0 };
      sums.set(stage, { ms: sum.ms + metrics.wallMs / products, runs: sum.runs + 1 });
    }
  }
  let measured = 0;
  let typical = 0;
  for (const [stage, { ms, runs }] of sums) {
    measured += ms / runs;
    typical += TYPICAL_MS[stage];
  }
  const scale = typical > 0 ? measured / typical : 1;
  const costs = { ...TYPICAL_MS };
  for (const stage of Object.keys(costs) as Stage[]) {
    const sum = sums.get(stage);
    costs[stage] = sum ? sum.ms / sum.runs : TYPICAL_MS[stage] * scale;
  }
  return costs;
}

/** The expected wall ms of a job's stages. */
export function jobCost(levels: readonly string[], costs: StageCosts): number {
  return jobSteps(levels).reduce((sum, step) => sum + costs[step.stage], 0);
}

/**
 * Share of a job done (0 before it starts, 1 when done): the expected time of the stages behind it
 * plus the part of the current one its progress tells (Richardson–Lucy's iterations), over the
 * expected time of them all.
 */
export function jobShare(job: ProgressJob, costs: StageCosts): number {
  if (job.state === 'done') return 1;
  const at = job.progress ?? (job.stage && { stage: job.stage, done: 0, total: 1 });
  if (job.state !== 'running' || !at) return 0;
  const steps = jobSteps(job.recipe.levels);
  const index = Math.max(
    0,
    steps.findIndex((s) => s.stage === at.stage && (at.level === undefined || s.level === at.level)),
  );
  let before = 0;
  let total = 0;
  steps.forEach((step, i) => {
    total += costs[step.stage];
    if (i < index) before += costs[step.stage];
  });
  // A PSF build or transfer function is a prelude to the iterations the deconvolve time is made of.
  const counted = at.step !== 'psf' && at.step !== 'transfer' && at.total > 0;
  const within = counted ? Math.min(1, at.done / at.total) : 0;
  return (before + costs[steps[index].stage] * within) / total;
}

/** A gap longer than this between one job's end and the next start begins a new batch. */
const NEW_BATCH_GAP_MS = 10 * 60_000;

/**
 * The batch in progress (or the last one) and its rates. The batch is the jobs started since the last
 * gap of NEW_BATCH_GAP_MS without a job running, plus those queued. Its rate counts busy time only
 * (a watch folder waiting for its next file is not slow), and time left is the expected stage time
 * of the work left (stageCosts of the batch's done jobs, jobShare of the running ones) at the pace
 * the batch has kept: busy time per ms of stage time of its done jobs (which takes in jobs run side
 * by side and the time between stages), or, before any has finished, the running jobs' own pace.
 */
export function batchProgress(jobs: readonly ProgressJob[], nowMs: number): BatchProgress {
  const spans = jobs
    .filter((j) => j.startedAt)
    .map((j) => ({
      job: j,
      from: Date.parse(j.startedAt!),
      to: j.finishedAt ? Date.parse(j.finishedAt) : nowMs,
    }))
    .sort((a, b) => a.from - b.from);
  let batchFrom = -Infinity;
  let reach = -Infinity;
  for (const s of spans) {
    if (s.from > reach + NEW_BATCH_GAP_MS) batchFrom = s.from;
    reach = Math.max(reach, s.to);
  }
  const inBatch = spans.filter((s) => s.from >= batchFrom);
  const finished = inBatch.filter((s) => s.job.state === 'done' || s.job.state === 'failed');
  const left = jobs.filter((j) => j.state === 'queued' || j.state === 'running');
  const done = inBatch.filter((s) => s.job.state === 'done' && s.job.stages).map((s) => s.job);
  const costs = stageCosts(done.length > 0 ? done : jobs.filter((j) => j.state === 'done'));
  const busy = busyMs(inBatch);
  const progress: BatchProgress = {
    finished: finished.length,
    remaining: left.length,
    filesPerMinute: busy > 0 ? (finished.length / busy) * 60_000 : 0,
    costs,
  };
  const pace = done.length > 0 ? doneJobsPace(inBatch, costs) : runningPace(inBatch, costs, nowMs);
  if (pace === undefined) return progress;
  const work = left.reduce((sum, j) => sum + jobCost(j.recipe.levels, costs) * (1 - jobShare(j, costs)), 0);
  return { ...progress, etaMs: work * pace };
}

type Span = { job: ProgressJob; from: number; to: number };

/** Time covered by at least one of the spans. */
function busyMs(spans: readonly Span[]): number {
  let total = 0;
  let end = -Infinity;
  for (const s of spans) {
    const from = Math.max(s.from, end);
    if (s.to > from) total += s.to - from;
    end = Math.max(end, s.to);
  }
  return total;
}

/** Busy ms of the done jobs per ms of their stages' expected time. */
function doneJobsPace(spans: readonly Span[], costs: StageCosts): number | undefined {
  const done = spans.filter((s) => s.job.state === 'done');
  const staged = done.reduce((sum, s) => sum + jobCost(s.job.recipe.levels, costs), 0);
  return staged > 0 ? busyMs(done) / staged : undefined;
}

/** Before a job has finished: the running jobs' elapsed time per ms of the expected time they covered. */
function runningPace(spans: readonly Span[], costs: StageCosts, nowMs: number): number | undefined {
  const running = spans.filter((s) => s.job.state === 'running');
  const covered = running.reduce(
    (sum, s) => sum + jobCost(s.job.recipe.levels, costs) * jobShare(s.job, costs),
    0,
  );
  const expected = running.reduce((sum, s) => sum + jobCost(s.job.recipe.levels, costs), 0);
  // too little done yet to say how fast it goes
  if (covered <= 0 || covered < 0.02 * expected) return undefined;
  return busyMs(running.map((s) => ({ ...s, to: nowMs }))) / covered;
}

/**
 * What a job is doing, for its row: its state, and while it runs the stage, the product's level and
 * the step of a long stage ("running · deconvolve 1.6 · RL 12/25"), or that a cancel is on its way.
 */
export function progressLabel(job: ProgressJob & { cancelRequested?: boolean }): string {
  if (job.state !== 'running') return job.state;
  if (job.cancelRequested) return 'cancelling…';
  const at = job.progress ?? (job.stage && { stage: job.stage, done: 0, total: 1 });
  if (!at) return 'running';
  const steps = {
    psf: ` · PSF ${at.done}/${at.total}`,
    transfer: ' · transfer function',
    iterations: ` · RL ${at.done}/${at.total}`,
  };
  return `running · ${at.stage}${at.level ? ` ${at.level}` : ''}${at.step ? steps[at.step] : ''}`;
}
