import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../bench/record.js';
import { appBenchDir, readBenchHistory } from '../../main/services/benchHistory.js';
import {
  trendMachines,
  trendMetrics,
  trendScales,
  trendSeries,
} from '../../renderer/src/viewer/benchTrend.js';

/** The Performance view's trend, from the repo's own bench/history.jsonl as the services return it. */
describe('benchmark trend', () => {
  it('draws one line per case and backend of a metric on one machine, with its target', async () => {
    const history = await readBenchHistory(appBenchDir());
    const raw = (await readFile(join(appBenchDir(), 'history.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as HistoryRecord);
    const metrics = trendMetrics(history);
    expect(metrics.map((m) => m.id)).toContain('register · level 1.5 file-to-file s');
    expect(metrics.map((m) => m.id)).toContain('deconvolve · Richardson-Lucy 25 it s');
    const headline = new Set(raw.flatMap((r) => r.rows.filter((row) => !row.stage).map((row) => row.metric)));
    expect(new Set(metrics.map((m) => m.metric))).toEqual(headline);

    // Another machine's run of the same figures is a separate choice, listed first as the latest.
    const elsewhere = { ...history.records[0], machine: { ...history.records[0].machine, key: 'other' } };
    const both = { ...history, records: [...history.records, elsewhere] };
    const machine = raw.at(-1)!.machine.key;
    expect(trendMachines(history)[0]).toBe(machine);
    expect(trendMachines(both)).toEqual(['other', ...trendMachines(history)]);

    const series = trendSeries(both, 'register · level 1.5 file-to-file s', machine);
    const rows = raw
      .filter((r) => r.machine.key === machine)
      .flatMap((r) =>
        r.rows
          .filter(
            (row) => row.bench === 'register' && row.metric === 'level 1.5 file-to-file s' && !row.stage,
          )
          .map((row) => ({
            label: `${row.case} · ${row.backend}`,
            date: Date.parse(r.date),
            value: row.ours,
          })),
      );
    expect(series.map((s) => s.label)).toEqual([...new Set(rows.map((r) => r.label))].sort());
    for (const s of series) {
      expect(s.points.map((p) => [p.date, p.value])).toEqual(
        rows.filter((r) => r.label === s.label).map((r) => [r.date, r.value]),
      );
      // bench/thresholds.json: 0.8 s for the 4096² synthetic frames, none for the small real ones.
      expect(s.target, s.label).toBe(s.label.includes('synthetic') ? 0.8 : undefined);
    }
    expect(trendSeries(both, 'register · level 1.5 file-to-file s', 'other')[0].points).toHaveLength(1);

    const area = { left: 50, top: 10, width: 600, height: 200 };
    const scales = trendScales(series, area);
    const values = series.flatMap((s) => [...s.points.map((p) => p.value), s.target ?? 0]);
    const top = scales.yTicks.at(-1)!;
    expect(scales.yTicks[0]).toBe(0);
    expect(top).toBeGreaterThanOrEqual(Math.max(...values));
    expect(scales.yTicks.length).toBeGreaterThanOrEqual(3);
    expect(scales.yTicks.length).toBeLessThanOrEqual(6);
    expect(scales.y(0)).toBe(area.top + area.height);
    expect(scales.y(top)).toBeCloseTo(area.top);
    const dates = series.flatMap((s) => s.points.map((p) => p.date));
    expect(scales.x(Math.min(...dates))).toBe(area.left);
    expect(scales.x(Math.max(...dates))).toBe(area.left + area.width);
    // One run alone sits in the middle of the time axis.
    const single = trendScales([{ label: 'x', points: [series[0].points[0]] }], area);
    expect(single.x(series[0].points[0].date)).toBe(area.left + area.width / 2);
  });
});
