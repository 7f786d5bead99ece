import { describe, expect, it } from 'vitest';
import type { Job } from '../../renderer/src/api/appApi.js';
import { applyAffine, invertAffine } from '../../renderer/src/viewer/affineMap.js';
import { niceTicks } from '../../renderer/src/viewer/axisTicks.js';
import { sortedSample } from '../../renderer/src/viewer/clipLimits.js';
import {
  displayLimits,
  freshScale,
  pooledSample,
  scaleGroup,
  withLimits,
  type ObservationScale,
  type ScaledLevel,
} from '../../renderer/src/viewer/displayScale.js';
import { helioprojectiveToHeliographic, observerFromHeader } from '../../renderer/src/viewer/heliographic.js';
import { wcsFromHeader, type HeaderValues } from '../../renderer/src/viewer/helioWcs.js';
import { bilinearAt } from '../../renderer/src/viewer/imageSampling.js';
import { missingLevelReason } from '../../renderer/src/viewer/levelAvailability.js';
import { observationLabel } from '../../renderer/src/viewer/observationLabel.js';
import { regionStatistics } from '../../renderer/src/viewer/regionStatistics.js';
import { colourTable } from '../../renderer/src/viewer/colourMaps.js';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { runPython } from '../helpers/childProcess.js';
import { sharedData } from '../helpers/paths.js';

const L1_128 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');

const level = (name: '1' | '1.5' | '1.6', unit: string, values: number[]): ScaledLevel => ({
  level: name,
  unit,
  sorted: sortedSample(Float32Array.from(values)),
});

describe('display scale of an observation', () => {
  const ramp = (from: number, to: number) =>
    Array.from({ length: 1001 }, (_, i) => from + ((to - from) * i) / 1000);
  const levels = [
    level('1', 'DN', ramp(0, 100)),
    level('1.5', 'DN', ramp(0, 300)),
    level('1.6', 'DN/s', ramp(0, 50)),
  ];

  it('locked panes of one unit share limits from their pooled pixels; another unit has its own', () => {
    const scale = freshScale();
    const l1 = displayLimits(scale, levels, '1', 'percentile', [0, 100]);
    const l15 = displayLimits(scale, levels, '1.5', 'percentile', [0, 100]);
    expect(l1).toEqual(l15);
    expect(l1.lo).toBe(0);
    expect(l1.hi).toBe(300);
    expect(displayLimits(scale, levels, '1.6', 'percentile', [0, 100])).toEqual({ lo: 0, hi: 50 });
    expect(scaleGroup(scale, levels, '1').map((l) => l.level)).toEqual(['1', '1.5']);
  });

  it('an unlocked pane gets its own limits; hand-set limits go to the scale the pane is on', () => {
    let scale: ObservationScale = { ...freshScale(), unlocked: ['1.5'] };
    expect(displayLimits(scale, levels, '1.5', 'percentile', [0, 100]).hi).toBe(300);
    expect(displayLimits(scale, levels, '1', 'percentile', [0, 100]).hi).toBe(100);
    scale = withLimits(scale, levels, '1', { lo: 5, hi: 10 });
    expect(displayLimits(scale, levels, '1', 'percentile', [0, 100])).toEqual({ lo: 5, hi: 10 });
    expect(displayLimits(scale, levels, '1.5', 'percentile', [0, 100]).hi).toBe(300);
    scale = withLimits(scale, levels, '1.5', { lo: 1, hi: 2 });
    expect(displayLimits(scale, levels, '1.5', 'percentile', [0, 100])).toEqual({ lo: 1, hi: 2 });
    expect(displayLimits(freshScale(), levels, '1', 'percentile', [0, 100]).hi).toBe(300);
  });

  it('NaN never enters the statistics, and each level weighs the same in the pool', () => {
    const withNaN = level('1', 'DN', [Number.NaN, 1, 2, 3, Number.NaN]);
    expect([...withNaN.sorted]).toEqual([1, 2, 3]);
    const pooled = pooledSample([Float32Array.from([0, 0, 0, 0]), Float32Array.from([10, 10])], 4);
    expect([...pooled]).toEqual([0, 0, 0, 0, 10, 10, 10, 10]);
  });
});

describe('helioprojective → Stonyhurst heliographic', () => {
  it('matches sunpy/astropy on the 128² AIA header', async () => {
    const image = await readFitsImageFile(L1_128);
    const header: HeaderValues = {};
    for (const card of image.header.cards)
      if (typeof card.value === 'number' || typeof card.value === 'string') header[card.key] = card.value;
    const points = [
      [0, 0],
      [300, -200],
      [-700, 400],
      [900, 100],
    ];
    const run = await runPython([
      '-c',
      `
import json, warnings
warnings.simplefilter('ignore')
import astropy.units as u
from astropy.coordinates import SkyCoord
import sunpy.map
from sunpy.coordinates import frames
m = sunpy.map.Map(${JSON.stringify(L1_128)})
h = m.meta
# The observer as HGLN/HGLT/DSUN_OBS say (sunpy would prefer HAE*_OBS, 0.013° away in this header).
observer = frames.HeliographicStonyhurst(h['hgln_obs']*u.deg, h['hglt_obs']*u.deg, h['dsun_obs']*u.m, obstime=m.date)
frame = frames.Helioprojective(observer=observer, obstime=m.date, rsun=h['rsun_ref']*u.m)
out = []
for tx, ty in ${JSON.stringify(points)}:
    c = SkyCoord(tx*u.arcsec, ty*u.arcsec, frame=frame).transform_to(frames.HeliographicStonyhurst(obstime=m.date))
    out.append([float(c.lon.to_value(u.deg)), float(c.lat.to_value(u.deg))])
print(json.dumps(out))`,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const ref = JSON.parse(run.stdout) as number[][];
    const observer = observerFromHeader(header);
    points.forEach(([tx, ty], i) => {
      const ours = helioprojectiveToHeliographic(observer, tx, ty)!;
      expect(ours.lon).toBeCloseTo(ref[i][0], 3);
      expect(ours.lat).toBeCloseTo(ref[i][1], 3);
    });
    expect(helioprojectiveToHeliographic(observer, 1200, 0)).toBeUndefined();
    expect(wcsFromHeader(header).rsunObs).toBeGreaterThan(900);
  });
});

describe('small viewer maths', () => {
  it('bilinear sampling: exact at pixel centres, linear between, NaN next to a missing pixel', () => {
    const image = {
      width: 3,
      height: 2,
      data: Float32Array.from([0, 1, 2, 10, 11, Number.NaN]),
      wcs: undefined!,
    };
    expect(bilinearAt(image, 1, 0)).toBe(1);
    expect(bilinearAt(image, 0.5, 0.5)).toBeCloseTo(5.5, 6);
    expect(bilinearAt(image, 1.5, 0.5)).toBeNaN();
    expect(bilinearAt(image, -0.5, 0)).toBeNaN();
  });

  it('an affine map and its inverse compose to the identity', () => {
    const m = [0.9, 0.1, 3, -0.2, 1.1, -7];
    const [x, y] = applyAffine(invertAffine(m), ...applyAffine(m, 12.5, -4));
    expect(x).toBeCloseTo(12.5, 10);
    expect(y).toBeCloseTo(-4, 10);
  });

  it('round ticks inside the range', () => {
    expect(niceTicks(0, 1898.87, 6)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(-0.3, 0.3, 4)).toEqual([-0.2, 0, 0.2]);
    expect(niceTicks(5, 5, 4)).toEqual([]);
  });

  it("a missing level's reason comes from the engine's warning; labels know AIA's DN", () => {
    const job = {
      state: 'done',
      outputs: [{ path: '/o/x_lev1.5.fits', size: 1 }],
      warnings: ['level 1.6 not made: no PSF model for 128×128 images'],
    } as unknown as Job;
    expect(missingLevelReason(job, '1')).toBeUndefined();
    expect(missingLevelReason(job, '1.5')).toBeUndefined();
    expect(missingLevelReason(job, '1.6')).toBe('Level 1.6 was not made: no PSF model for 128×128 images');
    expect(observationLabel({ WAVELNTH: 171, EXPTIME: 1.999597, T_OBS: '2014-01-01T00:00:12.34Z' })).toEqual({
      channel: '171 Å',
      time: '2014-01-01T00:00:12 UTC',
      exposure: '2 s',
      unit: 'DN',
    });
    expect(observationLabel({ BUNIT: 'DN/s' }).unit).toBe('DN/s');
  });
});

describe('region statistics and colour maps', () => {
  it('a world box takes the pixels whose centres lie in it; missing ones are counted apart', () => {
    // 4×3 image, world = pixel (identity map).
    const data = Float32Array.from([0, 1, 2, 3, 4, 5, Number.NaN, 7, 8, 9, 10, 11]);
    const s = regionStatistics(
      { width: 4, height: 3, data, affine: [1, 0, 0, 0, 1, 0] },
      [0.5, 0.5],
      [2.5, 2.5],
    );
    // Pixels (1,1) (2,1) (1,2) (2,2): 5, NaN, 9, 10.
    expect(s.count).toBe(3);
    expect(s.missing).toBe(1);
    expect(s.sum).toBe(24);
    expect(s.mean).toBe(8);
    expect(s.sigma).toBeCloseTo(Math.sqrt(((5 - 8) ** 2 + 1 + 4) / 2), 12);
  });

  it('cubehelix grows brighter monotonically; heat runs black to white', () => {
    for (const map of ['cubehelix', 'heat'] as const) {
      const t = colourTable(map);
      const luminance = Array.from(
        { length: 256 },
        (_, i) => 0.3 * t[3 * i] + 0.59 * t[3 * i + 1] + 0.11 * t[3 * i + 2],
      );
      for (let i = 1; i < 256; i++) expect(luminance[i]).toBeGreaterThanOrEqual(luminance[i - 1] - 1);
      expect([...t.subarray(0, 3)]).toEqual([0, 0, 0]);
      expect([...t.subarray(765, 768)]).toEqual([255, 255, 255]);
    }
  });
});
