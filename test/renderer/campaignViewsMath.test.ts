import { describe, expect, it } from 'vitest';
import { RECIPE_DEFAULTS } from '../../main/common/recipeTerms.js';
import type { InputCheck, Job } from '../../main/contract/index.js';
import { batchPlan, inputVerdict } from '../../renderer/src/viewer/inputVerdict.js';
import {
  filterChoices,
  folderOf,
  matchesFilter,
  NO_FILTER,
  shortFolder,
} from '../../renderer/src/viewer/jobFilter.js';
import { observationText, shortObsTime } from '../../renderer/src/viewer/observationText.js';
import { backendUse, stageCosts, throughputOverTime } from '../../renderer/src/viewer/throughput.js';

/** The Batch, Queue and Performance views' pure logic (issue 16): verdicts, filters, throughput. */
const observation = { channel: 171, time: '2014-01-01T00:00:12.34Z', width: 4096, height: 4096 };
const file = (path: string, extra: Partial<NonNullable<InputCheck['file']>> = {}): InputCheck => ({
  path,
  resolved: path,
  kind: 'file',
  file: { size: 13_029_120, observation, warnings: [], ...extra },
});
const BINNED =
  'level 1.6 needs a full-resolution 4096×4096 image (the PSF is defined on the CCD pixels); this one is 128×128';

function job(id: string, extra: Partial<Job> = {}): Job {
  return {
    id,
    seq: 1,
    input: { path: `/data/${id}/a.fits`, size: 1, mtimeMs: 0 },
    recipe: { ...RECIPE_DEFAULTS, levels: ['1.5'], outputDir: '/out', backend: 'auto' },
    recipeKey: 'k',
    priority: 0,
    source: 'batch',
    state: 'done',
    attempts: 1,
    submittedAt: '2026-01-01T00:00:00Z',
    outputs: [],
    warnings: [],
    ...extra,
  };
}

describe('batch input verdicts', () => {
  it('a file: its observation and size; level 1.6 eligibility whatever the levels', () => {
    const ok = inputVerdict(file('/a.fits'), ['1.5']);
    expect(ok).toMatchObject({ state: 'ok', text: '171 Å · 2014-01-01 00:00:12 · 4096² · 13.0 MB' });
    expect(ok.level16).toEqual({ can: true });
    const binned = file('/b.fits', { noLevel16: BINNED });
    expect(inputVerdict(binned, ['1.5']).level16).toEqual({ can: false, why: BINNED });
    expect(inputVerdict(binned, ['1.5']).state).toBe('ok');
  });

  it('a file without level 1.6: a warning beside 1.5, refused when 1.6 is all that is asked', () => {
    const binned = file('/b.fits', { noLevel16: BINNED });
    expect(inputVerdict(binned, ['1.5', '1.6'])).toMatchObject({
      state: 'warning',
      text: `level 1.5 only: ${BINNED}`,
    });
    expect(inputVerdict(binned, ['1.6'])).toMatchObject({
      state: 'refused',
      text: `no level 1.6: ${BINNED}`,
    });
  });

  it('refused paths keep the services’ sentence; unchecked ones are being checked', () => {
    const missing: InputCheck = {
      path: '/x.fits',
      resolved: '/x.fits',
      kind: 'file',
      refused: { message: 'no such file or folder: /x.fits', kind: 'ENOENT' },
    };
    expect(inputVerdict(missing, ['1.5'])).toMatchObject({
      state: 'refused',
      text: 'no such file or folder: /x.fits',
    });
    expect(inputVerdict(undefined, ['1.5']).state).toBe('checking');
    expect(inputVerdict(file('/w.fits', { warnings: ['header lacks DSUN_OBS'] }), ['1.5']).state).toBe(
      'warning',
    );
  });

  it('a folder counts its files, the refused and those without level 1.6; an empty one is refused', () => {
    const folder = (f: NonNullable<InputCheck['folder']>): InputCheck => ({
      path: '/d',
      resolved: '/d',
      kind: 'folder',
      folder: f,
    });
    expect(inputVerdict(folder({ files: 0, checked: 0, refused: 0, noLevel16: 0 }), ['1.5']).state).toBe(
      'refused',
    );
    const mixed = folder({
      files: 5,
      checked: 5,
      refused: 1,
      noLevel16: 2,
      firstRefused: { path: '/d/x.fits', message: 'not a FITS file' },
    });
    expect(inputVerdict(mixed, ['1.5', '1.6'])).toMatchObject({
      state: 'warning',
      text: 'folder · 5 FITS files · 1 refused · 2 without level 1.6',
    });
    expect(inputVerdict(mixed, ['1.5']).detail).toContain('e.g. x.fits: not a FITS file');
    expect(inputVerdict(folder({ files: 2, checked: 2, refused: 0, noLevel16: 2 }), ['1.6']).state).toBe(
      'refused',
    );
  });

  it('Start takes the resolved paths of inputs not refused, and waits for those being checked', () => {
    const checks = new Map<string, InputCheck>([
      ['~/a.fits', { ...file('~/a.fits'), resolved: '/home/u/a.fits' }],
      ['/b.fits', file('/b.fits', { noLevel16: BINNED })],
    ]);
    expect(batchPlan(['~/a.fits', '/b.fits', '/c.fits'], checks, ['1.6'])).toEqual({
      submit: ['/home/u/a.fits'],
      refused: 1,
      checking: 1,
    });
  });
});

describe('queue filters and columns', () => {
  const jobs = [
    job('a', { observation }),
    job('b', { observation: { ...observation, channel: 1600 }, source: 'w1', state: 'failed' }),
    job('c'),
  ];

  it('filters by state, channel, source (a watch folder, or any) and text', () => {
    const ids = (f: Partial<typeof NO_FILTER>) =>
      jobs.filter((j) => matchesFilter(j, { ...NO_FILTER, ...f })).map((j) => j.id);
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ channel: '171' })).toEqual(['a']);
    expect(ids({ channel: 'none' })).toEqual(['c']);
    expect(ids({ source: 'watch' })).toEqual(['b']);
    expect(ids({ source: 'batch', state: 'done' })).toEqual(['a', 'c']);
    expect(ids({ text: '/DATA/B/' })).toEqual(['b']);
  });

  it('offers the channels and sources there are, channels in ascending Å, unknown last', () => {
    expect(filterChoices(jobs)).toEqual({ channels: ['171', '1600', 'none'], sources: ['batch', 'w1'] });
  });

  it('short folders tell two files of one name apart', () => {
    expect(shortFolder('/data/2014/01/out')).toBe('…/01/out');
    expect(shortFolder('/out')).toBe('/out');
    expect(folderOf('/data/2014/a.fits')).toBe('/data/2014');
    expect(shortObsTime('2011-02-15T00:00:01.34Z')).toBe('2011-02-15 00:00:01');
    expect(
      observationText({ channel: 1600, time: '2012-06-06T04:07:29.12', width: 1024, height: 1024 }),
    ).toBe('1600 Å · 2012-06-06 04:07:29 · 1024²');
  });
});

describe('the user’s own throughput', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

  it('counts done files per minute in each bucket, at least 30 bars ending at the last', () => {
    const done = [0.2, 0.5, 3.1, 3.2, 3.3].map((m, i) =>
      job(`j${i}`, {
        finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0) + m * 60_000).toISOString(),
        wallMs: 6000,
      }),
    );
    const t = throughputOverTime([...done, job('q', { state: 'queued' })]);
    expect(t.bucketMs).toBe(60_000);
    expect(t.bars).toHaveLength(30);
    expect(t.bars.slice(-4).map((b) => b.files)).toEqual([2, 0, 0, 3]);
    expect(t.files).toBe(5);
    // 5 files from the first one's start (0.1 min before 0.2) to 3.3 min
    expect(t.average).toBeCloseTo(5 / 3.2, 6);
  });

  it('widens its buckets for a long watch: a day in hours', () => {
    const day = Array.from({ length: 48 }, (_, i) => job(`d${i}`, { finishedAt: at(i * 30) }));
    const t = throughputOverTime(day);
    expect(t.bucketMs).toBe(3_600_000);
    expect(t.bars.reduce((a, b) => a + b.files, 0)).toBe(48);
    // the last hour holds the files done at 23:00 and 23:30
    expect(t.bars.at(-1)!.filesPerMinute).toBeCloseTo(2 / 60, 9);
  });

  it('stage costs: shares, mean per job, how often a stage waited; backends by name', () => {
    const m = (wallMs: number, waiting = false) => ({ wallMs, cpuMs: wallMs / 2, rssMb: 100, waiting });
    const jobs = [
      job('a', {
        stages: { read: m(100, true), register: m(300) },
        backend: 'backend: cpu (auto: no GPU)',
        wallMs: 400,
      }),
      job('b', {
        stages: { read: m(100), register: m(500) },
        backend: 'backend: cpu (auto: no GPU)',
        wallMs: 600,
      }),
    ];
    const costs = stageCosts(jobs);
    expect(costs.map((c) => [c.stage, c.share, c.meanMs, c.waited])).toEqual([
      ['read', 0.2, 100, 1],
      ['register', 0.8, 400, 0],
    ]);
    expect(backendUse(jobs)).toEqual([
      { name: 'cpu', note: 'backend: cpu (auto: no GPU)', jobs: 2, meanMs: 500 },
    ]);
  });
});
