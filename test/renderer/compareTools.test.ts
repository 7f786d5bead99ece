import { describe, expect, it } from 'vitest';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { cutoutRegion } from '../../renderer/src/viewer/cutoutRegion.js';
import { pixelToWorld, wcsFromHeader, worldGridProblem } from '../../renderer/src/viewer/helioWcs.js';
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
});
