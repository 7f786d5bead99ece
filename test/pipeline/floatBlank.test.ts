import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/main.js';
import { readFitsImageFile, toFloat64 } from '../../main/engine/fits/index.js';
import { sharedData } from '../helpers/paths.js';

const LOWRES_1600 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');

describe('BLANK of a floating-point image (the SunPy 2048² 1600 Å file: float64, BLANK = −32768)', () => {
  it('reads the fill as missing in the default mode', async () => {
    const image = await readFitsImageFile(LOWRES_1600);
    expect([image.bitpix, image.floatBlank]).toEqual([-64, -32768]);
    const values = toFloat64(image, { blank: 'nan' });
    const missing = values.reduce((n, v) => (Number.isNaN(v) ? n + 1 : n), 0);
    // rows 0..647 of the 2048² frame are all −32768 (the golden's astropy count)
    expect(missing).toBe(1_327_104);
    expect(toFloat64(image, { blank: 'value' }).filter((v) => v === -32768).length).toBe(1_327_104);
  });

  it('makes a level 1.5 product whose statistics and fill edge are those of the data', async () => {
    const out = await mkdtemp(join(tmpdir(), 'aia-float-blank-'));
    const lines: string[] = [];
    const status = await runCli(
      ['process', '--level', '1.5', '--backend', 'cpu', '--out', out, LOWRES_1600],
      (l) => lines.push(l),
      (l) => lines.push(l),
    );
    expect(status).toBe(0);
    const product = await readFitsImageFile(
      join(out, 'aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres_lev1.5.fits'),
    );
    const h = product.header;
    const data = product.raw as Float32Array;
    const width = product.width;
    const nan = data.map((v) => (Number.isNaN(v) ? 1 : 0));
    const missing = nan.reduce((n, v) => n + v, 0);
    // the fill is missing, not data: MISSVALS counts it (≈ the input's 1 327 104 after rotation)
    expect(h.number('MISSVALS')).toBe(missing);
    expect(missing).toBeGreaterThan(1_250_000);
    expect(missing).toBeLessThan(1_400_000);
    expect(h.number('DATAMIN')).toBeGreaterThan(-100);
    expect(h.number('DATAMEAN')).toBeGreaterThan(0);
    const valid = data.filter((v) => !Number.isNaN(v)).sort();
    expect(valid[0]).toBeGreaterThan(-100);
    // no seam along the fill edge: pixels beside a missing one look like the data a few rows further in
    const edge: number[] = [];
    const band: number[] = [];
    for (let i = width; i < data.length - width; i++) {
      if (nan[i]) continue;
      const nearHole = nan[i - 1] || nan[i + 1] || nan[i - width] || nan[i + width];
      if (nearHole) edge.push(data[i]);
      else if (nan[i - 5 * width] || nan[i - 8 * width]) band.push(data[i]);
    }
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(edge.length).toBeGreaterThan(1000);
    expect(Math.max(...edge)).toBeLessThanOrEqual(valid[Math.floor(valid.length * 0.999)]);
    expect(Math.abs(mean(edge) - mean(band))).toBeLessThan(0.25 * mean(band));
  });
});
