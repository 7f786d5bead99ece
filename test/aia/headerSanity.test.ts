import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkHeaderSanity } from '../../main/engine/aia/headerSanity.js';
import { readObservation } from '../../main/engine/aia/observation.js';
import { targetScale } from '../../main/engine/register/registrationPlan.js';
import { readFitsImageFile, type FitsHeader } from '../../main/engine/fits/index.js';
import { sharedData } from '../helpers/paths.js';

const SMALL = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const sharedFiles = ['lowres_l1', 'cutout_l1', 'fullres_l1_synthetic', 'synoptic_l15'].flatMap((dir) =>
  readdirSync(sharedData(dir)).map((name) => sharedData(`${dir}/${name}`)),
);

async function smallHeader(change: (h: FitsHeader) => void = () => {}): Promise<FitsHeader> {
  const header = (await readFitsImageFile(SMALL)).header.clone();
  change(header);
  return header;
}

const check = (h: FitsHeader, normalizeExposure = false) => checkHeaderSanity(h, { normalizeExposure });

describe('header sanity: the geometry and calibration a real AIA frame can have', () => {
  it.each(sharedFiles)('passes the real file %s without a warning', async (path) => {
    expect(check((await readFitsImageFile(path)).header)).toEqual([]);
  });

  it.each([
    ['CDELT1', 0, /CDELT1 = 0 is outside the range an AIA image can have \(0.55 to 39.68 arcsec\/px\)/],
    ['CDELT2', 1e30, /CDELT2 = 1e\+30 is outside/],
    ['CDELT1', 0.2, /CDELT1 = 0.2 is outside/],
    ['RSUN_OBS', 0, /RSUN_OBS = 0 is outside the range an AIA image can have \(940 to 980 arcsec\)/],
    ['RSUN_OBS', -960, /RSUN_OBS = -960 is outside/],
    ['CROTA2', 1e300, /CROTA2 = 1e\+300 is outside the range .* \(-360 to 360 degrees\)/],
    ['CROTA2', 'NaN', /CROTA2 = 'NaN' is not a finite number/],
    ['CRPIX1', 1e9, /CRPIX1 = 1000000000 is outside/],
    ['DSUN_OBS', 0, /DSUN_OBS = 0 is outside/],
    [
      'WAVELNTH',
      999,
      /WAVELNTH = 999 is not an AIA channel \(94, 131, 171, 193, 211, 304, 335, 1600, 1700, 4500 Å\)/,
    ],
    ['WAVELNTH', 0, /WAVELNTH = 0 is not an AIA channel/],
    ['WAVELNTH', 1e300, /WAVELNTH = 1e\+300 is not an AIA channel/],
  ] as const)('refuses %s = %s, naming keyword, value and range', async (key, value, message) => {
    const header = await smallHeader((h) => h.set(key, value));
    expect(() => check(header)).toThrow(message);
  });

  it('refuses a PC matrix that is not a rotation', async () => {
    const header = await smallHeader((h) => {
      h.set('PC1_1', 0);
      h.set('PC2_2', 0);
    });
    expect(() => check(header)).toThrow(/not a rotation/);
  });

  it('warns of a missing, NaN or negative EXPTIME, and refuses it when the image is divided by it', async () => {
    const cases: Array<(h: FitsHeader) => void> = [
      (h) => h.delete('EXPTIME'),
      (h) => h.set('EXPTIME', 'NaN'),
      (h) => h.set('EXPTIME', -1),
    ];
    for (const change of cases) {
      const header = await smallHeader(change);
      expect(check(header).join()).toMatch(/EXPTIME.*cannot be normalised by exposure/);
      expect(() => check(header, true)).toThrow(/cannot normalise by exposure: .*EXPTIME/);
    }
  });

  it('warns of an unusual roll and of a missing DSUN_OBS, which leave the product right', async () => {
    const header = await smallHeader((h) => {
      h.set('CROTA2', 45);
      h.delete('DSUN_OBS');
    });
    const warnings = check(header).join('\n');
    expect(warnings).toMatch(/CROTA2 = 45°: an unusual roll/);
    expect(warnings).toMatch(/lacks DSUN_OBS/);
  });

  it('names a bad WAVELNTH as such, not as "not an SDO/AIA image"', async () => {
    const header = await smallHeader((h) => h.set('WAVELNTH', 999));
    expect(() => readObservation(header)).toThrow(/WAVELNTH = 999 is not an AIA channel/);
  });

  it('never makes a zero level 1.5 plate scale', () => {
    expect(() => targetScale(0.2, 128, 128)).toThrow(/CDELT1 = 0.2 gives no level 1.5 plate scale/);
    expect(targetScale(19.183648, 128, 128)).toBeCloseTo(19.2, 12);
  });
});
