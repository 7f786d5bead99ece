import type { Stage } from '../../../main/contract/index.js';
import type { Job } from '../api/appApi.js';
import { backendName, stagesFor } from './jobStages.js';

/** Bucket widths a throughput chart steps through, so a day of watching and a ten-minute batch both read well. */
const BUCKETS_MS = [60_000, 5 * 60_000, 15 * 60_000, 3_600_000, 6 * 3_600_000, 86_400_000];
/** Most bars a chart shows. */
const MOST_BARS = 60;
/** Fewest: a short batch is shown in the half hour it ended, not as one bar across the chart. */
const FEWEST_BARS = 30;

export interface ThroughputBar {
  /** Start of the bucket (ms since the epoch). */
  start: number;
  files: number;
  filesPerMinute: number;
}

export interface Throughput {
  bucketMs: number;
  bars: ThroughputBar[];
  files: number;
  /** Files per minute over the span from the first file's start to the last one's end. */
  average: number;
}

const finishedAt = (job: Job) => Date.parse(job.finishedAt ?? '');

/**
 * The user's own files done per minute over time, from their jobs' records: each done job counts in
 * the bucket it finished in; buckets as wide as needed to show the whole span in at most 60 bars, and
 * at least 30 bars up to the last one.
 */
export function throughputOverTime(jobs: Iterable<Job>): Throughput {
  const done = [...jobs].filter((j) => j.state === 'done' && Number.isFinite(finishedAt(j)));
  if (!done.length) return { bucketMs: BUCKETS_MS[0], bars: [], files: 0, average: 0 };
  const ends = done.map(finishedAt);
  const last = Math.max(...ends);
  // the span runs from the first job's start (its finish less its own time) to the last finish
  const first = Math.min(...done.map((j) => finishedAt(j) - (j.wallMs ?? 0)));
  const bucketMs = BUCKETS_MS.find((b) => (last - first) / b < MOST_BARS) ?? BUCKETS_MS.at(-1)!;
  const lastBar = Math.floor(last / bucketMs) * bucketMs;
  const origin = Math.min(Math.floor(first / bucketMs) * bucketMs, lastBar - (FEWEST_BARS - 1) * bucketMs);
  const bars: ThroughputBar[] = [];
  for (let start = origin; start <= last; start += bucketMs)
    bars.push({ start, files: 0, filesPerMinute: 0 });
  for (const end of ends) bars[Math.floor((end - origin) / bucketMs)].files++;
  for (const bar of bars) bar.filesPerMinute = (bar.files * 60_000) / bucketMs;
  const spanMinutes = Math.max(last - first, 1000) / 60_000;
  return { bucketMs, bars, files: done.length, average: done.length / spanMinutes };
}

export interface StageCost {
  stage: Stage;
  /** Jobs that ran the stage. */
  jobs: number;
  wallMs: number;
  cpuMs: number;
  /** Mean wall time per job that ran it. */
  meanMs: number;
  /** Share of the jobs' summed stage time spent in this stage. */
  share: number;
  rssMb: number;
  /** Jobs in which the stage waited (CPU well below wall: work elsewhere or a wait). */
  waited: number;
}

/** Wall and CPU time per stage summed over the jobs, with each stage's share and mean per job. */
export function stageCosts(jobs: readonly Job[]): StageCost[] {
  const rows = stagesFor(['1.5', '1.6']).map((stage) => {
    const metrics = jobs.flatMap((j) => (j.stages?.[stage] ? [j.stages[stage]!] : []));
    const wallMs = metrics.reduce((a, m) => a + m.wallMs, 0);
    return {
      stage,
      jobs: metrics.length,
      wallMs,
      cpuMs: metrics.reduce((a, m) => a + m.cpuMs, 0),
      meanMs: metrics.length ? wallMs / metrics.length : 0,
      share: 0,
      rssMb: Math.max(0, ...metrics.map((m) => m.rssMb)),
      waited: metrics.filter((m) => m.waiting).length,
    };
  });
  const total = rows.reduce((a, r) => a + r.wallMs, 0);
  for (const row of rows) row.share = total ? row.wallMs / total : 0;
  return rows.filter((r) => r.wallMs > 0);
}

export interface BackendUse {
  /** 'cpu' or 'gpu', from the queue's note. */
  name: string;
  /** The queue's whole note of the latest job ('backend: cpu (auto: no GPU device …)'). */
  note: string;
  jobs: number;
  meanMs: number;
}

/** Which backends ran the done jobs, how many each and their mean time per file. */
export function backendUse(jobs: Iterable<Job>): BackendUse[] {
  const uses = new Map<string, BackendUse & { totalMs: number }>();
  for (const job of jobs) {
    if (job.state !== 'done' || !job.backend) continue;
    const name = backendName(job.backend) || job.backend;
    const use = uses.get(name) ?? { name, note: job.backend, jobs: 0, meanMs: 0, totalMs: 0 };
    use.jobs++;
    use.totalMs += job.wallMs ?? 0;
    use.meanMs = use.totalMs / use.jobs;
    use.note = job.backend;
    uses.set(name, use);
  }
  return [...uses.values()].map(({ totalMs: _, ...use }) => use);
}
