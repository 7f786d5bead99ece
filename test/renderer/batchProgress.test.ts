import { describe, expect, it } from 'vitest';
import type { Stage, StageMetrics } from '../../main/contract/index.js';
import {
  batchProgress,
  jobCost,
  jobShare,
  progressLabel,
  stageCosts,
  type ProgressJob,
} from '../../renderer/src/viewer/batchProgress.js';
import { formatMs } from '../../renderer/src/viewer/jobStages.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 6, 0, 0) + s * 1000).toISOString();
const t = (s: number) => Date.parse(at(s));
const metrics = (wallMs: number): StageMetrics => ({ wallMs, cpuMs: wallMs, rssMb: 100, waiting: false });

/** A level 1.5 job's stage times (ms): 10 s of stages in all. */
const L15: Partial<Record<Stage, StageMetrics>> = {
  read: metrics(500),
  decode: metrics(1500),
  prepare: metrics(1000),
  register: metrics(4000),
  statistics: metrics(1000),
  encode: metrics(1000),
  write: metrics(1000),
};
const l15 = { levels: ['1.5'] };

function done(from: number, to: number, stages = L15): ProgressJob {
  return { state: 'done', recipe: l15, startedAt: at(from), finishedAt: at(to), outputs: [{}], stages };
}

describe('formatMs', () => {
  it('rounds once, to the unit shown, so a rounding carries (never "1 min 60 s" or "60.0 s")', () => {
    expect(formatMs(undefined)).toBe('–');
    expect(formatMs(Infinity)).toBe('–');
    expect(formatMs(999.4)).toBe('999 ms');
    expect(formatMs(999.6)).toBe('1.0 s');
    expect(formatMs(12_340)).toBe('12.3 s');
    expect(formatMs(59_949)).toBe('59.9 s');
    expect(formatMs(59_960)).toBe('1 min 00 s');
    expect(formatMs(119_600)).toBe('2 min 00 s');
    expect(formatMs(119_400)).toBe('1 min 59 s');
    expect(formatMs(96_000)).toBe('1 min 36 s');
    expect(formatMs(3_599_600)).toBe('1 h 00 min');
    expect(formatMs(3_600_000 + 29 * 60_000 + 40_000)).toBe('1 h 30 min');
  });
});

describe('stage costs and a job’s share', () => {
  it('measures each stage per run (a product stage shared among the products) and scales the unmeasured', () => {
    const both: ProgressJob = {
      ...done(0, 60, { ...L15, register: metrics(8000), deconvolve: metrics(30_000) }),
      recipe: { levels: ['1.5', '1.6'] },
      outputs: [{}, {}],
    };
    const costs = stageCosts([both]);
    expect(costs.register).toBe(4000);
    expect(costs.deconvolve).toBe(30_000);
    // a batch of 1.5 jobs says nothing of deconvolve: its typical time, scaled as the others are
    const only15 = stageCosts([done(0, 10)]);
    // (10 s measured where 3.5 s is typical: deconvolve's typical 20 s counts as 57 s here)
    expect(only15.deconvolve).toBeCloseTo((20_000 * 10_000) / 3500, 6);
  });

  it('counts the stages behind a running job and its Richardson–Lucy iterations, not its PSF build', () => {
    const costs = stageCosts([
      { ...done(0, 50, { ...L15, deconvolve: metrics(40_000) }), recipe: { levels: ['1.6'] } },
    ]);
    const levels = ['1.5', '1.6'];
    const total = jobCost(levels, costs);
    const running = (progress: ProgressJob['progress']): ProgressJob => ({
      state: 'running',
      recipe: { levels },
      stage: progress?.stage,
      progress,
    });
    // the level 1.5 product written: read … prepare and its four stages behind, deconvolve still to come
    const written = jobShare(running({ stage: 'write', level: '1.5', done: 0, total: 1 }), costs);
    expect(written).toBeCloseTo(9000 / total, 9);
    const psf = jobShare(
      running({ stage: 'deconvolve', level: '1.6', step: 'psf', done: 5, total: 8 }),
      costs,
    );
    expect(psf).toBeCloseTo(10_000 / total, 9);
    const halfway = jobShare(
      running({ stage: 'deconvolve', level: '1.6', step: 'iterations', done: 10, total: 20 }),
      costs,
    );
    expect(halfway).toBeCloseTo(30_000 / total, 9);
    expect(jobShare({ state: 'queued', recipe: { levels } }, costs)).toBe(0);
    expect(jobShare({ state: 'done', recipe: { levels } }, costs)).toBe(1);
    expect(
      progressLabel(running({ stage: 'deconvolve', level: '1.6', step: 'iterations', done: 10, total: 20 })),
    ).toBe('running · deconvolve 1.6 · RL 10/20');
    expect(
      progressLabel({ ...running({ stage: 'register', done: 0, total: 1 }), cancelRequested: true }),
    ).toBe('cancelling…');
  });
});

describe('batchProgress', () => {
  it('rates the batch by its busy time, not the idle gaps between files', () => {
    // two 10 s jobs with a 5-minute wait for the second file between them, then one running, one queued
    const jobs: ProgressJob[] = [
      done(0, 10),
      done(310, 320),
      {
        state: 'running',
        recipe: l15,
        startedAt: at(320),
        stage: 'register',
        progress: { stage: 'register', level: '1.5', done: 0, total: 1 },
      },
      { state: 'queued', recipe: l15 },
    ];
    const p = batchProgress(jobs, t(323));
    expect(p.finished).toBe(2);
    expect(p.remaining).toBe(2);
    expect(p.filesPerMinute).toBeCloseTo((2 / 23_000) * 60_000, 9);
    // the queued job's 10 s and the running one's 7 s of stages left, at the batch's pace (1 ms a ms)
    expect(p.etaMs).toBeCloseTo(17_000, 6);
  });

  it('starts a new batch after a long idle time, and keeps an ended batch’s rate as time passes', () => {
    const old = [done(0, 100), done(100, 200)];
    const ended = [...old, done(10_000, 10_010), done(10_010, 10_020)];
    for (const now of [t(10_020), t(20_000)])
      expect(batchProgress(ended, now)).toMatchObject({
        finished: 2,
        remaining: 0,
        filesPerMinute: 6,
        etaMs: 0,
      });
  });

  it('before any file is done, goes by the running job’s own pace, once it has come some way', () => {
    const levels = ['1.6'];
    const start: ProgressJob = {
      state: 'running',
      recipe: { levels },
      startedAt: at(0),
      stage: 'read',
      progress: { stage: 'read', done: 0, total: 1 },
    };
    expect(batchProgress([start], t(1)).etaMs).toBeUndefined();
    const iterating: ProgressJob = {
      ...start,
      stage: 'deconvolve',
      progress: { stage: 'deconvolve', level: '1.6', step: 'iterations', done: 12, total: 25 },
    };
    const p = batchProgress([iterating, { state: 'queued', recipe: { levels } }], t(60));
    const share = jobShare(iterating, p.costs);
    // 60 s for that share of a job: the rest of this one and all of the next at that pace
    expect(p.etaMs).toBeCloseTo((60_000 / share) * (1 - share) + 60_000 / share, 3);
  });
});
