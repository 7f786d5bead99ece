import { targetFor, type Thresholds } from '../../../main/common/benchTargets.js';
import type { BenchHistory } from '../../../main/contract/index.js';

/** One headline figure of the bench (not a per-stage row), e.g. register · level 1.5 file-to-file s. */
export interface TrendMetric {
  id: string;
  bench: string;
  metric: string;
  unit: string;
}

export interface TrendPoint {
  /** The run's start, ms since the epoch. */
  date: number;
  value: number;
  commit: string;
  dirty: boolean;
}

/** One line of the chart: one input case on one backend. */
export interface TrendSeries {
  label: string;
  points: TrendPoint[];
  /** bench/thresholds.json's target for it, when one applies. */
  target?: number;
}

const metricId = (bench: string, metric: string) => `${bench} · ${metric}`;

/** The headline metrics found in the history, by bench then metric. */
export function trendMetrics(history: BenchHistory): TrendMetric[] {
  const found = new Map<string, TrendMetric>();
  for (const row of history.records.flatMap((r) => r.rows))
    if (row.stage === undefined)
      found.set(metricId(row.bench, row.metric), {
        id: metricId(row.bench, row.metric),
        bench: row.bench,
        metric: row.metric,
        unit: row.unit,
      });
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The machines of the history, the latest record's first: timings of different machines don't compare. */
export function trendMachines(history: BenchHistory): string[] {
  return [...new Set(history.records.map((r) => r.machine.key).reverse())];
}

/** The lines of one metric on one machine, one per case and backend, each oldest point first. */
export function trendSeries(history: BenchHistory, metric: string, machine: string): TrendSeries[] {
  const lines = new Map<string, TrendSeries>();
  const thresholds: Thresholds | undefined = history.thresholds;
  for (const record of history.records) {
    if (record.machine.key !== machine) continue;
    for (const row of record.rows) {
      if (row.stage !== undefined || metricId(row.bench, row.metric) !== metric) continue;
      const label = `${row.case} · ${row.backend}`;
      const line = lines.get(label) ?? {
        label,
        points: [],
        target: thresholds && targetFor(row, thresholds),
      };
      line.points.push({
        date: Date.parse(record.date),
        value: row.ours,
        commit: record.commit,
        dirty: record.dirty,
      });
      lines.set(label, line);
    }
  }
  for (const line of lines.values()) line.points.sort((a, b) => a.date - b.date);
  return [...lines.values()].sort((a, b) => a.label.localeCompare(b.label));
}

export interface ChartArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface TrendScales {
  x: (date: number) => number;
  y: (value: number) => number;
  /** Round values from 0 to the top of the axis. */
  yTicks: number[];
}

/**
 * Maps dates and values into the chart area: time left to right, 0 at the bottom (a bar of time is
 * read against zero), the top at a round value above every point and target.
 */
export function trendScales(series: TrendSeries[], area: ChartArea): TrendScales {
  const dates = series.flatMap((s) => s.points.map((p) => p.date));
  // Zero everywhere (an empty stage) still needs an axis.
  const highest =
    Math.max(0, ...series.flatMap((s) => [...s.points.map((p) => p.value), s.target ?? 0])) || 1;
  const step = roundStep(highest / 4);
  const top = step * Math.ceil(highest / step);
  const [first, last] = [Math.min(...dates), Math.max(...dates)];
  return {
    // A single run sits in the middle.
    x: (date) => area.left + (last > first ? ((date - first) / (last - first)) * area.width : area.width / 2),
    y: (value) => area.top + area.height * (1 - value / top),
    yTicks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Number((i * step).toPrecision(6))),
  };
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function roundStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
}
