import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFits, readFitsImage, toFloat64 } from '../../main/engine/fits/index.js';
import { sharedData } from '../helpers/paths.js';

export const SERIES_SOURCE = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
export const UV_2048 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
/** QUALITY bit 17: ISS loop open. */
export const ISS_LOOP_OPEN = 1 << 17;

/**
 * The test series in `folder`: `count` copies of the real 128² 171 Å frame with T_OBS and
 * DATE-OBS stepped 12 s, copy `altered` with EXPTIME halved and QUALITY = ISS loop open, plus the
 * real 2048² 1600 Å frame. Returns the file names in that order.
 */
export async function writeQaSeries(folder: string, count = 5, altered = 2): Promise<string[]> {
  const source = readFitsImage(await readFile(SERIES_SOURCE));
  const data = toFloat64(source, { blank: 'nan' });
  const start = Date.parse('2011-02-15T00:00:01.340Z');
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const header = source.header.clone();
    const t = new Date(start + 12_000 * i).toISOString().replace(/\.(\d{2})\dZ$/, '.$1Z');
    header.set('T_OBS', t);
    header.set('DATE-OBS', new Date(start - 1000 + 12_000 * i).toISOString().replace(/Z$/, ''));
    if (i === altered) {
      header.set('EXPTIME', source.header.number('EXPTIME')! / 2, undefined, { isFloat: true });
      header.set('QUALITY', ISS_LOOP_OPEN);
    }
    const name = `aia_171_series_${String(i).padStart(2, '0')}.fits`;
    await writeFile(
      join(folder, name),
      encodeFits({ header, width: source.width, height: source.height, data }, { format: 'float64' }),
    );
    names.push(name);
  }
  await copyFile(UV_2048, join(folder, 'aia_1600_2048.fits'));
  names.push('aia_1600_2048.fits');
  return names;
}
