import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../main/contract/index.js';
import { readFitsImageFile, toFloat64 } from '../../main/engine/fits/index.js';
import { paneLut } from '../../renderer/src/compare/paneLut.js';
import { colourTable, displayLut } from '../../renderer/src/viewer/colourMaps.js';
import { levelImage } from '../../renderer/src/viewer/levelImage.js';
import { histogram } from '../../renderer/src/viewer/histogram.js';
import { sharedData } from '../helpers/paths.js';

const L1_128 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');

describe('Compare: the panes’ lookup tables', () => {
  it('are made once per key and shared; histogram-equalised ones are told apart by image', async () => {
    const fits = await readFitsImageFile(L1_128);
    const data = toFloat64(fits, { blank: 'nan' });
    const finite = data.filter(Number.isFinite);
    const info: ImageInfo = {
      path: L1_128,
      width: fits.width,
      height: fits.height,
      bitpix: fits.bitpix,
      header: fits.header.toRecord(),
      history: fits.header.history(),
      min: finite.reduce((a, b) => Math.min(a, b)),
      max: finite.reduce((a, b) => Math.max(a, b)),
      missing: data.length - finite.length,
    };
    const block = (pixels: Float32Array) => ({ width: fits.width, height: fits.height, binning: 1, pixels });
    const level1 = levelImage('1', info, block(Float32Array.from(data)));
    // The same observation, its bright pixels brighter: another histogram over the same limits.
    const other = levelImage('1.5', info, block(Float32Array.from(data, (v) => (v > 500 ? 2 * v : v))));
    const limits = { lo: 0, hi: 2000 };

    const linear = paneLut(level1, 'aia', 'linear', limits, false);
    expect(paneLut(level1, 'aia', 'linear', limits, false).rgba()).toBe(linear.rgba());
    expect(linear.rgba()).toEqual(displayLut(colourTable('aia', 171), 'linear', undefined));

    const [a, b] = [
      paneLut(level1, 'aia', 'histeq', limits, false),
      paneLut(other, 'aia', 'histeq', limits, false),
    ];
    expect(a.key).not.toBe(b.key);
    expect(a.rgba()).not.toEqual(b.rgba());
    expect(b.rgba()).toEqual(
      displayLut(colourTable('aia', 171), 'histeq', histogram(other.sorted, limits.lo, limits.hi, 1024)),
    );
  });
});
