import type { Stage, StageMetrics, StageProgress } from '../../common/stages.js';

export type { Stage, StageMetrics, StageProgress };

/**
 * Who wants to know, while a job runs, which stage it is in, how far a long one has come (each stage's
 * start, the PSF build's passes, each Richardson–Lucy iteration) and what each stage cost.
 */
export interface StageObserver {
  started?(stage: Stage): void;
  progress?(progress: StageProgress): void;
  finished?(stage: Stage, metrics: StageMetrics): void;
}

/** A stage whose CPU time is under this share of its wall time counts as waiting. */
const WAITING_SHARE = 0.5;
/** Stages shorter than this are too short to judge. */
const WAITING_MIN_MS = 20;

/**
 * Times the stages of a job as Rubin's pipelines do: wall and CPU time and memory per stage, so a
 * stage that waits or grows shows up in the job's own record.
 */
export class StageClock {
  readonly stages: Partial<Record<Stage, StageMetrics>> = {};

  constructor(private readonly observer?: StageObserver) {}

  async time<T>(stage: Stage, work: () => T | Promise<T>): Promise<T> {
    this.observer?.started?.(stage);
    const wall = performance.now();
    const cpu = process.cpuUsage();
    try {
      return await work();
    } finally {
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - wall;
      const cpuMs = (used.user + used.system) / 1000;
      const rssMb = process.memoryUsage.rss() / 2 ** 20;
      const before = this.stages[stage];
      const total = {
        wallMs: (before?.wallMs ?? 0) + wallMs,
        cpuMs: (before?.cpuMs ?? 0) + cpuMs,
        rssMb: Math.max(before?.rssMb ?? 0, rssMb),
      };
      const metrics = {
        ...total,
        waiting: total.wallMs >= WAITING_MIN_MS && total.cpuMs < WAITING_SHARE * total.wallMs,
      };
      this.stages[stage] = metrics;
      this.observer?.finished?.(stage, metrics);
    }
  }
}
