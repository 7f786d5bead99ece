import { describe, expect, it } from 'vitest';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { contrastBias } from '../../renderer/src/viewer/contrastBias.js';
import { cutoutRegion } from '../../renderer/src/viewer/cutoutRegion.js';
import { loupePixels } from '../../renderer/src/viewer/loupe.js';
import { paneAxes } from '../../renderer/src/viewer/paneAxes.js';
import { pixelToWorld, wcsFromHeader, worldGridProblem } from '../../renderer/src/viewer/helioWcs.js';
import { exportCaption, observationLabel } from '../../renderer/src/viewer/observationLabel.js';
import { sharedData } from '../helpers/paths.js';

const L1_128 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');

describe('Compare tools: pure maths', () => {
  it('a cut-out region holds the pixels whose centres lie in the box, on the rolled level 1 grid too', async () => {
    const image = await readFitsImageFile(L1_128);
    const info = { width: image.width, height: image.height, header: image.header.toRecord() };
    const wcs = wcsFromHeader(info.header);
    // A box from the centre of 1-based pixel (31, 42) to that of (80, 78): exactly those pixels.
    const a = pixelToWorld(wcs, 31, 42);
    const b = pixelToWorld(wcs, 80, 78);
    const grow = (p: [number, number], q: [number, number]): [number, number] => [
      p[0] - 0.01 * Math.sign(q[0] - p[0]),
      p[1] - 0.01 * Math.sign(q[1] - p[1]),
    ];
    // CROTA2 = 0.019°: the box's other two corners fall 0.01 px beside those pixels' columns; the
    // region is the bounding block of the four corners, on the pixels whose centres it holds.
    expect(cutoutRegion(info, grow(a, b), grow(b, a))).toEqual({ x: 30, y: 41, width: 50, height: 37 });
    // Clipped to the image; a box off it has none.
    expect(cutoutRegion(info, [-5000, -5000], [5000, 5000])).toEqual({ x: 0, y: 0, width: 128, height: 128 });
    expect(cutoutRegion(info, [3000, 3000], [3100, 3100])).toBeUndefined();
  });

  it('names why a header cannot place its image on the Sun', () => {
    const good = {
      CTYPE1: 'HPLN-TAN',
      CTYPE2: 'HPLT-TAN',
      CUNIT1: 'arcsec',
      CRPIX1: 1,
      CRPIX2: 1,
      CDELT1: 0.6,
      CDELT2: 0.6,
    };
    expect(worldGridProblem(good)).toBeUndefined();
    expect(worldGridProblem({ ...good, CTYPE1: 'RA---TAN' })).toMatch(/not helioprojective/);
    expect(worldGridProblem({ ...good, CUNIT2: 'deg' })).toBe('CUNIT2 is deg, not arcsec');
    expect(worldGridProblem({ ...good, CDELT2: undefined })).toBe('it lacks CRPIX1/2 or CDELT1/2');
  });

  it('arcsec ticks lie where the viewport puts their world values', () => {
    const view = { cx: 100, cy: -50, arcsecPerPixel: 2 };
    const { x, y } = paneAxes(view, 400, 300);
    // 800″ across, about 4 ticks: every 200″.
    expect(x.map((t) => t.value)).toEqual([-200, 0, 200, 400]);
    // Tx 100 is the pane's centre (200 px); 2″ a pixel.
    expect(x.find((t) => t.value === 0)!.at).toBe(150);
    expect(x.find((t) => t.value === 200)!.at).toBe(250);
    // Ty grows upwards: north at the top.
    expect(y.find((t) => t.value === 0)!.at).toBe(150 - 25);
    expect(y[0].value).toBeLessThan(y[y.length - 1].value);
    expect(y[0].at).toBeGreaterThan(y[y.length - 1].at);
  });

  it('contrast/bias: across shifts the window by its width, up narrows it about its centre', () => {
    const start = { lo: 100, hi: 300 };
    expect(contrastBias(start, 0, 0)).toEqual(start);
    expect(contrastBias(start, 0.25, 0)).toEqual({ lo: 50, hi: 250 });
    const narrower = contrastBias(start, 0, -0.5);
    expect((narrower.lo + narrower.hi) / 2).toBeCloseTo(200, 12);
    expect(narrower.hi - narrower.lo).toBeCloseTo(200 * Math.exp(-1), 12);
    const wider = contrastBias(start, 0, 3);
    expect(wider.hi).toBeGreaterThan(wider.lo);
  });

  it('the loupe shows the nearest data pixel through the lookup, background where there is none', () => {
    // 4×2 image, 1″ pixels, world = 0-based pixel.
    const image = {
      width: 4,
      height: 2,
      data: new Float32Array([0, 1, 2, 3, 4, 5, 6, NaN]),
      affine: [1, 0, 0, 0, 1, 0],
    };
    const lut = new Uint8Array(256 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(i / 4)));
    const px = loupePixels(image, [1, 0], { cx: 0, cy: 0, arcsecPerPixel: 1 }, 1, 2, lut, { lo: 0, hi: 7 });
    // Loupe pixel (1, 1) is at world (1 + 0.5, 0 - 0.5): data pixel (2, 0) after rounding 1.5 up: value 2.
    expect([...px.subarray(12, 15)]).toEqual([73, 73, 73]);
    const dark = loupePixels(image, [3, 1], { cx: 0, cy: 0, arcsecPerPixel: 0.1 }, 1, 2, lut, {
      lo: 0,
      hi: 7,
    });
    expect([...dark.subarray(0, 4)]).toEqual([23, 26, 31, 255]);
  });

  it('the caption burned into an exported PNG or movie frame: what, channel, time, exposure of the real header', async () => {
    const label = observationLabel((await readFitsImageFile(L1_128)).header.toRecord());
    expect(exportCaption('Level 1', label)).toBe('Level 1 · 171 Å · 2011-02-15T00:00:01 UTC · exp 2 s');
    expect(exportCaption('Level 1.5 − Level 1', label)).toBe(
      'Level 1.5 − Level 1 · 171 Å · 2011-02-15T00:00:01 UTC · exp 2 s',
    );
    // A movie frame: its T_OBS and what was subtracted in place of the header's time.
    expect(exportCaption('Level 1.5', label, '2011-02-15 00:00:13.34 UTC − previous')).toBe(
      'Level 1.5 · 171 Å · 2011-02-15 00:00:13.34 UTC − previous · exp 2 s',
    );
    // No exposure in the header: no "exp" part, not "exp undefined".
    expect(exportCaption('Level 1', { ...label, exposure: undefined })).toBe(
      'Level 1 · 171 Å · 2011-02-15T00:00:01 UTC',
    );
  });
});
