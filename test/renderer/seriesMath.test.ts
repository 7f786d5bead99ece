import { describe, expect, it } from 'vitest';
import type { Job, ProductQa } from '../../main/contract/index.js';
import { productQaRows } from '../../main/services/productQaRows.js';
import {
  channelSeries,
  formatObsTime,
  nearestFrame,
  parseObsTime,
  seriesChannels,
  seriesFrames,
} from '../../renderer/src/viewer/observationSeries.js';
import { qaPlotLines, sortQaRows } from '../../renderer/src/viewer/qaTable.js';
import { EBML_ID, ebmlChildren, webmFile, webmTimeline } from '../../renderer/src/viewer/webmFile.js';

function qa(channel: number, tObs: string, extra: Partial<ProductQa> = {}): ProductQa {
  return {
    channel,
    level: 1.5,
    tObs,
    scale: 0.6,
    missing: { product: 0, productDisk: 0 },
    saturation: { thresholdDn: 15000 },
    exposure: { ratio: 1 },
    pointing: {},
    sharpness: 1,
    flags: [],
    ...extra,
  };
}

function job(id: string, products: ProductQa[], state: Job['state'] = 'done'): Job {
  return {
    id,
    seq: 0,
    input: { path: `/in/${id}.fits`, size: 1, mtimeMs: 0 },
    recipe: {} as Job['recipe'],
    recipeKey: '',
    priority: 0,
    source: 'batch',
    state,
    attempts: 1,
    submittedAt: '',
    outputs: products.map((p) => ({ path: `/out/${id}_lev${p.level}.fits`, size: 1 })),
    warnings: [],
    qa: products,
  };
}

describe('observation series', () => {
  const jobs = [
    job('c', [qa(171, '2011-02-15T00:00:25.34Z', { flags: [{ metric: 'exposure', reason: 'short' }] })]),
    job('a', [qa(171, '2011-02-15T00:00:01.34Z')]),
    job('u', [qa(1600, '2012-06-06T04:07:30.57Z')]),
    job('b', [qa(171, '2011-02-15T00:00:13.34Z')]),
    job('q', [qa(171, '2011-02-15T00:00:37.34Z')], 'queued'),
    { ...job('old', []), qa: undefined },
  ];

  it('orders a channel by T_OBS, finished jobs with a QA record only, flags in words', () => {
    const frames = seriesFrames(jobs);
    expect(channelSeries(frames, 171).map((f) => f.jobId)).toEqual(['a', 'b', 'c']);
    expect(seriesChannels(frames)).toEqual([171, 1600]);
    expect(frames.find((f) => f.jobId === 'c')!.flags).toEqual(['exposure: short']);
  });

  it('finds the nearest observation to a typed time, in the forms users type', () => {
    const series = channelSeries(seriesFrames(jobs), 171);
    expect(nearestFrame(series, parseObsTime('2011-02-15 00:00:20')!)).toBe(2);
    expect(nearestFrame(series, parseObsTime('2011-02-15T00:00:07.34')!)).toBe(0);
    expect(nearestFrame(series, parseObsTime('2011-02-15')!)).toBe(0);
    expect(nearestFrame([], 0)).toBe(-1);
    expect(parseObsTime('2011-02-15T00:00:13.34Z')).toBe(Date.UTC(2011, 1, 15, 0, 0, 13, 340));
    expect(parseObsTime('yesterday')).toBeUndefined();
    expect(formatObsTime('2011-02-15T00:00:13.34Z')).toBe('2011-02-15 00:00:13.34 UTC');
  });
});

describe('QA rows', () => {
  it('one row per product with its level, the series flags added without touching the jobs', () => {
    const blurred = qa(171, '2011-02-15T00:00:49Z', { sharpness: 0.3 });
    const jobs = [
      job('a', [qa(171, '2011-02-15T00:00:01Z'), qa(171, '2011-02-15T00:00:01Z', { level: 1.6 })]),
      job('b', [qa(171, '2011-02-15T00:00:13Z')]),
      job('c', [qa(171, '2011-02-15T00:00:25Z')]),
      job('d', [blurred]),
    ];
    const rows = productQaRows(jobs);
    expect(rows.map((r) => [r.jobId, r.level])).toEqual([
      ['a', '1.5'],
      ['a', '1.6'],
      ['b', '1.5'],
      ['c', '1.5'],
      ['d', '1.5'],
    ]);
    expect(rows[4].qa.flags.map((f) => f.metric)).toEqual(['sharpness']);
    expect(blurred.flags).toEqual([]);
  });

  it('sorts numbers as numbers and puts empty cells last either way; plots one line per channel and level', () => {
    const rows = productQaRows([
      job('a', [qa(171, '2011-02-15T00:00:01Z', { exposure: { ratio: 1 } })]),
      job('b', [qa(171, '2011-02-15T00:00:13Z', { exposure: { ratio: 0.5 } })]),
      job('c', [qa(171, '2011-02-15T00:00:25Z', { exposure: {} })]),
      job('d', [qa(171, '2011-02-15T00:00:37Z', { exposure: { ratio: 10 } })]),
    ]);
    const order = (descending: boolean) =>
      sortQaRows(rows, { column: 'exposure_ratio', descending }).map((r) => r.jobId);
    expect(order(false)).toEqual(['b', 'a', 'd', 'c']);
    expect(order(true)).toEqual(['d', 'a', 'b', 'c']);
    const [line] = qaPlotLines(rows, 'exposure_ratio');
    expect(line.key).toBe('171 Å · level 1.5');
    expect(line.points.map((p) => p.value)).toEqual([1, 0.5, 10]);
  });
});

describe('WebM', () => {
  it('writes frames at their times with the duration, and reads them back', () => {
    const frame = (n: number) => Uint8Array.from({ length: 40 + n }, (_, i) => (i * 7 + n) % 256);
    const frames = Array.from({ length: 70 }, (_, k) => ({ data: frame(k), ms: k * 500, key: k % 30 === 0 }));
    const bytes = webmFile('V_VP9', 512, 584, frames, 35_000);
    const timeline = webmTimeline(bytes);
    expect(timeline.durationMs).toBe(35_000);
    expect(timeline.blockMs).toEqual(frames.map((f) => f.ms));
    // a cluster per key frame, and a new one before a block's 16-bit time offset could overflow
    const segment = ebmlChildren(bytes).find((e) => e.id === EBML_ID.segment)!;
    const clusters = ebmlChildren(bytes, segment.dataStart, segment.dataEnd).filter(
      (e) => e.id === EBML_ID.cluster,
    );
    expect(clusters).toHaveLength(3);
    const lastBlock = ebmlChildren(bytes, clusters[2].dataStart, clusters[2].dataEnd).at(-1)!;
    expect([...bytes.subarray(lastBlock.dataEnd - frames[69].data.length, lastBlock.dataEnd)]).toEqual([
      ...frames[69].data,
    ]);
  });

  it('reads a live stream whose segment and clusters have unknown size', () => {
    const unknown = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const block = (ms: number) => [0xa3, 0x85, 0x81, 0, ms, 0x80, 0xee];
    const cluster = (ms: number) => [
      0x1f,
      0x43,
      0xb6,
      0x75,
      ...unknown,
      0xe7,
      0x81,
      ms,
      ...block(0),
      ...block(40),
    ];
    const bytes = Uint8Array.from([0x18, 0x53, 0x80, 0x67, ...unknown, ...cluster(0), ...cluster(100)]);
    expect(webmTimeline(bytes)).toEqual({ durationMs: undefined, blockMs: [0, 40, 100, 140] });
    expect(() => webmTimeline(Uint8Array.from([0x42, 0x86, 0x81, 1]))).toThrow(/no segment/);
  });
});
