import type { BenchRow } from './benchRecord.js';

/** bench/thresholds.json: shared by the bench (which checks against it) and the Performance view (which draws it). */
export interface Thresholds {
  regression: { relative: number; absoluteSeconds: number; absoluteMb: number };
  /**
   * The first target that fits a row applies: a backend's own before the general one. `max` bounds
   * the figure itself, `maxPeerRatio` the figure over its peer's timed in the same run.
   */
  targets: ThresholdTarget[];
}

export interface ThresholdTarget {
  bench: string;
  metric: string;
  case?: string;
  backend?: string;
  max?: number;
  maxPeerRatio?: number;
  source?: string;
}

const fits = (t: ThresholdTarget, row: BenchRow) =>
  t.bench === row.bench &&
  t.metric === row.metric &&
  (t.case === undefined || row.case.includes(t.case)) &&
  (t.backend === undefined || t.backend === row.backend);

/** The target a row must meet, if thresholds.json sets one. */
export function targetFor(row: BenchRow, thresholds: Thresholds): number | undefined {
  return thresholds.targets.find((t) => t.max !== undefined && fits(t, row))?.max;
}

/** The most a row may be as a multiple of its peer (ours / peer), if thresholds.json sets it. */
export function peerRatioTargetFor(row: BenchRow, thresholds: Thresholds): number | undefined {
  return thresholds.targets.find((t) => t.maxPeerRatio !== undefined && fits(t, row))?.maxPeerRatio;
}
