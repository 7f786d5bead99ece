import type { BenchRow } from './benchRecord.js';

/** bench/thresholds.json: shared by the bench (which checks against it) and the Performance view (which draws it). */
export interface Thresholds {
  regression: { relative: number; absoluteSeconds: number; absoluteMb: number };
  /** The first target that fits a row applies: a backend's own before the general one. */
  targets: { bench: string; metric: string; case?: string; backend?: string; max: number; source?: string }[];
}

/** The target a row must meet, if thresholds.json sets one. */
export function targetFor(row: BenchRow, thresholds: Thresholds): number | undefined {
  return thresholds.targets.find(
    (t) =>
      t.bench === row.bench &&
      t.metric === row.metric &&
      (t.case === undefined || row.case.includes(t.case)) &&
      (t.backend === undefined || t.backend === row.backend),
  )?.max;
}
