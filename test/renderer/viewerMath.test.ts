import { describe, expect, it } from 'vitest';
import { pixelToHelioprojective, readGeometry } from '../../main/engine/aia/wcs.js';
import { readFitsImageFile, toFloat64 } from '../../main/engine/fits/index.js';
import { percentileLimits, sortedSample, zscaleLimits } from '../../renderer/src/viewer/clipLimits.js';
import { colourTable, displayLut, LUT_SIZE } from '../../renderer/src/viewer/colourMaps.js';
import { headerDiff } from '../../renderer/src/viewer/headerDiff.js';
import {
  pixelToWorld,
  wcsFromHeader,
  worldToPixel,
  worldToPixelAffine,
  type HeaderValues,
} from '../../renderer/src/viewer/helioWcs.js';
import { histogram } from '../../renderer/src/viewer/histogram.js';
import { stretch } from '../../renderer/src/viewer/scales.js';
import { panBy, screenToWorld, zoomAbout } from '../../renderer/src/viewer/viewport.js';
import { runPython } from '../helpers/childProcess.js';
import { sharedData } from '../helpers/paths.js';

const L1_128 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const L1_2048 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');

/** Runs Python with astropy/numpy and returns its JSON answer: the reference the viewer must match. */
async function python(script: string): Promise<unknown> {
  const run = await runPython(['-c', script]);
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

async function load(path: string) {
  const image = await readFitsImageFile(path);
  const header: HeaderValues = {};
  for (const card of image.header.cards) {
    if (typeof card.value === 'number' || typeof card.value === 'string') header[card.key] = card.value;
  }
  return { image, header, data: Float32Array.from(toFloat64(image, { blank: 'nan' })) };
}

describe('clip limits', () => {
  it('percentiles and zscale match numpy and astropy on a 2048² AIA frame', async () => {
    const { data } = await load(L1_2048);
    const ours = percentileLimits(sortedSample(data, data.length), 1.25, 99.5);
    const z = zscaleLimits(data);
    const ref = (await python(`
import json, numpy as np
from astropy.io import fits
from astropy.visualization import ZScaleInterval
d = fits.getdata(${JSON.stringify(L1_2048)}, ext=1).astype(np.float32)
f = d[np.isfinite(d) & (d != -32768)]  # the float image's BLANK: fill, not data
print(json.dumps({'p': [float(np.percentile(f, 1.25)), float(np.percentile(f, 99.5))],
                  'z': [float(v) for v in ZScaleInterval().get_limits(f)]}))`)) as {
      p: number[];
      z: number[];
    };
    expect(ours.lo).toBeCloseTo(ref.p[0], 3);
    expect(ours.hi).toBeCloseTo(ref.p[1], 3);
    expect(z.lo).toBeCloseTo(ref.z[0], 2);
    expect(z.hi).toBeCloseTo(ref.z[1], 2);
  });

  it('a sampled percentile of a 4096²-sized array stays within 0.5 % of the exact one', () => {
    const data = new Float32Array(4096 * 4096).map((_, i) => Math.sin(i * 0.618) ** 2 * 1000);
    data[5] = 1e9; // a hot pixel must not move the clip
    const sample = sortedSample(data);
    expect(sample.length).toBeLessThanOrEqual((1 << 20) + 1);
    const { hi } = percentileLimits(sample, 1.25, 99.5);
    expect(Math.abs(hi - 999.97)).toBeLessThan(5);
  });
});

describe('scales and colour tables', () => {
  it('stretches match astropy.visualization', async () => {
    const t = [0, 0.001, 0.01, 0.1, 0.3, 0.5, 0.9, 1];
    const ref = (await python(`
import json, numpy as np
from astropy.visualization import AsinhStretch, LogStretch, SqrtStretch
t = np.array(${JSON.stringify(t)})
print(json.dumps({'log': LogStretch(1000)(t).tolist(), 'sqrt': SqrtStretch()(t).tolist(),
                  'asinh': AsinhStretch(0.1)(t).tolist()}))`)) as Record<'log' | 'sqrt' | 'asinh', number[]>;
    for (const scale of ['log', 'sqrt', 'asinh'] as const) {
      t.forEach((x, i) => expect(stretch(scale, x)).toBeCloseTo(ref[scale][i], 9));
    }
  });

  it('the AIA 171 table is sunpy’s sdoaia171 and the lookup maps clip limits to its ends', async () => {
    const table = colourTable('aia', 171);
    const ref = (await python(`
import json, numpy as np, sunpy.visualization.colormaps
from matplotlib import colormaps
c = np.round(colormaps['sdoaia171'](np.linspace(0, 1, 256))[:, :3] * 255).astype(int)
print(json.dumps(c.ravel().tolist()))`)) as number[];
    expect([...table]).toEqual(ref);
    const lut = displayLut(table, 'linear');
    expect([...lut.subarray(0, 3)]).toEqual(ref.slice(0, 3));
    expect([...lut.subarray(4 * (LUT_SIZE - 1), 4 * LUT_SIZE - 1)]).toEqual(ref.slice(765, 768));
    expect(colourTable('aia', 6173)).toEqual(colourTable('grey'));
  });

  it('histogram of a sorted sample by binary search counts as bin by bin would, ends included', () => {
    const sorted = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 100).sort();
    const [lo, hi, bins] = [-80, 60.5, 37];
    const expected = new Uint32Array(bins);
    for (const v of sorted)
      expected[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) * (bins / (hi - lo)))))]++;
    expect([...histogram(sorted, lo, hi, bins)]).toEqual([...expected]);
  });

  it('histogram equalisation spreads a skewed histogram evenly', () => {
    const counts = histogram([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 0, 4, 4);
    expect([...counts]).toEqual([6, 1, 1, 2]);
    const lut = displayLut(colourTable('grey'), 'histeq', counts);
    // A quarter of the way up the range already holds 60 % of the pixels.
    expect(lut[4 * Math.round((LUT_SIZE - 1) * 0.25)]).toBe(Math.round(0.6 * 255));
  });
});

describe('world coordinates', () => {
  it('agree with the engine’s WCS on a level 1 header (rotated, off-centre)', async () => {
    const { image, header } = await load(L1_2048);
    const engine = readGeometry(image.header);
    const wcs = wcsFromHeader(header);
    for (const [x, y] of [
      [1, 1],
      [1024.5, 1024.5],
      [2048, 17],
      [333, 1900],
    ]) {
      const ours = pixelToWorld(wcs, x, y);
      const theirs = pixelToHelioprojective(engine, x, y);
      expect(ours[0]).toBeCloseTo(theirs[0], 9);
      expect(ours[1]).toBeCloseTo(theirs[1], 9);
      const back = worldToPixel(wcs, ours[0], ours[1]);
      expect(back[0]).toBeCloseTo(x, 6);
      expect(back[1]).toBeCloseTo(y, 6);
    }
  });

  it('the GPU’s affine map is within 0.01 px of the TAN projection over the whole disk', async () => {
    const { header } = await load(L1_128);
    const wcs = wcsFromHeader(header);
    const [a, b, c, d, e, f] = worldToPixelAffine(wcs);
    for (const [tx, ty] of [
      [0, 0],
      [950, 0],
      [-700, 700],
      [1200, -1200],
    ]) {
      const [px, py] = worldToPixel(wcs, tx, ty);
      expect(Math.abs(a * tx + b * ty + c - (px - 1))).toBeLessThan(0.01);
      expect(Math.abs(d * tx + e * ty + f - (py - 1))).toBeLessThan(0.01);
    }
  });

  it('zoom keeps the point under the cursor; pan moves by screen pixels', () => {
    const v = { cx: 10, cy: -20, arcsecPerPixel: 2 };
    const z = zoomAbout(v, 4, 100, -50);
    expect(screenToWorld(z, 100, -50)).toEqual(screenToWorld(v, 100, -50));
    expect(z.arcsecPerPixel).toBe(0.5);
    expect(panBy(v, 10, 5)).toEqual({ cx: -10, cy: -10, arcsecPerPixel: 2 });
  });
});

it('header diff marks the keywords that differ between levels', () => {
  const rows = headerDiff([
    { LVL_NUM: 1, CDELT1: 0.6, WAVELNTH: 171 },
    { LVL_NUM: 1.5, CDELT1: 0.6, WAVELNTH: 171, HISTORY: 'registered' },
  ]);
  expect(rows.filter((r) => r.differs).map((r) => r.keyword)).toEqual(['LVL_NUM', 'HISTORY']);
});
