import { describe, expect, it } from 'vitest';
import type { BenchRow } from '../../bench/benchSupport.js';
import { checkLatest, peerRatioTargetFor, targetFor, type Thresholds } from '../../bench/check.js';
import type { HistoryRecord, MachineInfo } from '../../bench/record.js';

const thresholds: Thresholds = {
  regression: { relative: 0.2, absoluteSeconds: 0.05, absoluteMb: 50 },
  targets: [
    { bench: 'register', metric: 'level 1.5 file-to-file s', case: 'synthetic', max: 0.8 },
    { bench: 'lev16', metric: 'level 1.6 peak RSS MB', max: 1024 },
  ],
};

const machine = (key: string): MachineInfo => ({
  key,
  cpu: 'cpu',
  cores: 2,
  memoryGb: 24,
  os: 'linux',
  arch: 'x64',
  gpus: [],
  loadAverage: { start: 0, end: 0 },
});

const fileRow = (ours: number, caseName = 'aia_lev1_171a_synthetic.fits'): BenchRow => ({
  bench: 'register',
  case: caseName,
  backend: 'cpu',
  metric: 'level 1.5 file-to-file s',
  unit: 's',
  ours,
});
const rssRow = (ours: number): BenchRow => ({
  bench: 'lev16',
  case: 'aia_lev1_171a_synthetic.fits',
  backend: 'cpu',
  metric: 'level 1.6 peak RSS MB',
  unit: 'MB',
  ours,
});

const record = (rows: BenchRow[], key = 'kind A', date = '2026-01-01T00:00:00Z'): HistoryRecord => ({
  schema: 1,
  date,
  durationS: 1,
  commit: 'abc1234',
  dirty: false,
  versions: { app: '0.1.0' },
  machine: machine(key),
  options: { benchmarks: ['register'], repeat: 3, oracle: false, backends: ['cpu'], profile: false },
  inputs: [],
  rows,
});

const verdicts = (history: HistoryRecord[]) => checkLatest(history, thresholds).rows.map((r) => r.verdict);

describe('bench:check', () => {
  it('applies a target only to the cases it names', () => {
    expect(targetFor(fileRow(1), thresholds)).toBe(0.8);
    expect(targetFor(fileRow(1, 'sunpy_test_aia_171_level1_128px.fits'), thresholds)).toBeUndefined();
    expect(targetFor(rssRow(1), thresholds)).toBe(1024);
  });

  it('applies a backend’s own target before the general one', () => {
    const targets = [
      { bench: 'deconvolve', metric: 'Richardson-Lucy 25 it s', backend: 'gpu', max: 0.3 },
      { bench: 'deconvolve', metric: 'Richardson-Lucy 25 it s', max: 6 },
    ];
    const rl = (backend: string): BenchRow => ({
      bench: 'deconvolve',
      case: 'aia_lev1_171a_synthetic.fits',
      backend,
      metric: 'Richardson-Lucy 25 it s',
      unit: 's',
      ours: 1,
    });
    expect(targetFor(rl('gpu'), { ...thresholds, targets })).toBe(0.3);
    expect(targetFor(rl('cpu'), { ...thresholds, targets })).toBe(6);
  });

  it('passes a first record that meets its targets, and fails one that misses them', () => {
    expect(checkLatest([record([fileRow(0.7), rssRow(900)])], thresholds).failed).toBe(false);
    expect(verdicts([record([fileRow(0.7), rssRow(900)])])).toEqual(['new', 'new']);
    const missed = checkLatest([record([fileRow(0.81), rssRow(900)])], thresholds);
    expect(missed.failed).toBe(true);
    expect(missed.rows[0].verdict).toBe('missed target');
  });

  it('compares with the median of the earlier records of the same machine only', () => {
    const history = [
      record([fileRow(0.5)]),
      record([fileRow(0.9)]), // an outlier the median ignores
      record([fileRow(0.5)]),
      record([fileRow(0.2)], 'kind B'), // another machine: not a baseline
      record([fileRow(0.58)]),
    ];
    const result = checkLatest(history, thresholds);
    expect(result.baselineRecords).toBe(3);
    expect(result.rows[0].baseline).toBe(0.5);
    expect(result.rows[0].change).toBeCloseTo(0.16, 10);
    expect(result.rows[0].verdict).toBe('ok');
  });

  it('fails a rise beyond the relative margin and the absolute floor', () => {
    expect(verdicts([record([fileRow(0.5)]), record([fileRow(0.61)])])).toEqual(['regression']);
    expect(verdicts([record([fileRow(0.7)]), record([fileRow(0.9)])])).toEqual(['missed target, regression']);
  });

  it('does not call a rise under the absolute floor a regression (short stages are noisy)', () => {
    // +60 % but only 30 ms
    expect(verdicts([record([fileRow(0.05)]), record([fileRow(0.08)])])).toEqual(['ok']);
    // +30 % of memory but only 30 MB
    expect(verdicts([record([rssRow(100)]), record([rssRow(130)])])).toEqual(['ok']);
    expect(verdicts([record([rssRow(500)]), record([rssRow(700)])])).toEqual(['regression']);
  });

  it('matches rows by bench, case, backend and metric', () => {
    const gpu = { ...fileRow(0.7), backend: 'gpu' };
    const result = checkLatest([record([fileRow(0.3)]), record([gpu])], thresholds);
    expect(result.rows[0].baseline).toBeUndefined();
    expect(result.rows[0].verdict).toBe('new');
  });

  it('fails a run with a case that could not be measured, even when every row passes', () => {
    const broken = {
      ...record([fileRow(0.5)]),
      failures: [{ bench: 'register', case: 'b.fits', backend: 'cpu', error: 'Error: x' }],
    };
    const result = checkLatest([broken], thresholds);
    expect(result.rows[0].verdict).toBe('new');
    expect(result.failures).toHaveLength(1);
    expect(result.failed).toBe(true);
  });

  it('judges a figure against its peer timed in the same run, and not at all without one', () => {
    const peered: Thresholds = {
      ...thresholds,
      targets: [
        { bench: 'deconvolve', metric: 'Richardson-Lucy 25 it s', backend: 'cpu', maxPeerRatio: 0.4 },
        { bench: 'deconvolve', metric: 'Richardson-Lucy 25 it s', max: 6 },
      ],
    };
    const rl = (ours: number, fftw?: number): BenchRow => ({
      bench: 'deconvolve',
      case: 'aia_lev1_171a_synthetic.fits',
      backend: 'cpu',
      metric: 'Richardson-Lucy 25 it s',
      unit: 's',
      ours,
      ...(fftw === undefined ? {} : { peer: { name: 'FFTW', seconds: fftw } }),
    });
    expect(targetFor(rl(1), peered)).toBe(6);
    expect(peerRatioTargetFor(rl(1), peered)).toBe(0.4);
    const met = checkLatest([record([rl(2, 6)])], peered).rows[0];
    expect(met).toMatchObject({ verdict: 'new', peerRatioTarget: 0.4, peerVerdict: 'met' });
    expect(met.peerRatio).toBeCloseTo(1 / 3, 10);
    // within the absolute 6 s, but 0.5× FFTW
    const missed = checkLatest([record([rl(3, 6)])], peered);
    expect(missed.rows[0]).toMatchObject({ verdict: 'missed target', peerVerdict: 'missed', peerRatio: 0.5 });
    expect(missed.failed).toBe(true);
    const alone = checkLatest([record([rl(3)])], peered);
    expect(alone.rows[0]).toMatchObject({ verdict: 'new', peerVerdict: 'no peer' });
    expect(alone.failed).toBe(false);
  });

  it('never calls a peer library getting slower a regression of ours', () => {
    const fftw = (ours: number): BenchRow => ({
      bench: 'peers',
      case: '4096² float32, 2 threads',
      backend: 'FFTW via pyfftw 0.13.1',
      metric: 'Richardson-Lucy 25 it s',
      unit: 's',
      ours,
    });
    expect(verdicts([record([fftw(5)]), record([fftw(9)])])).toEqual(['ok']);
  });

  it('refuses an empty history', () => {
    expect(() => checkLatest([], thresholds)).toThrow(/empty/);
  });
});
