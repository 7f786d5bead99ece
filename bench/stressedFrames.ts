import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readFitsImageFile } from '../main/engine/fits/index.js';
import { encodeFits } from '../main/engine/fits/write.js';

/**
 * Frames made at bench time from a 4096² int16 bench frame, for the inputs at the edges of what the
 * pipeline's lists and fills are sized for; RICE-compressed by our writer, as JSOC serves level 1.
 */

/** The frame with its first third of rows BLANK (a data gap as wide as they come): the widest hole fills. */
export function withRowsMissing(file: string, dir: string): Promise<string> {
  return rewritten(file, dir, 'rows-missing', (raw, width, height) =>
    raw.fill(-32768, 0, Math.floor(height / 3) * width),
  );
}

/**
 * The frame with a 500² core at the ADC's top (16383 DN) in its middle and a column bled from it
 * (a large flare's 251,500 saturated samples): the layout's lists of saturated samples at their fullest.
 */
export function withSaturatedCore(file: string, dir: string): Promise<string> {
  return rewritten(file, dir, 'flare', (raw, width, height) => {
    const [cx, cy] = [width >> 1, height >> 1];
    for (let y = cy - 250; y < cy + 250; y++) raw.fill(16383, y * width + cx - 250, y * width + cx + 250);
    for (let y = cy - 1000; y < cy + 1000; y++) raw[y * width + cx + 2] = 16383;
  });
}

async function rewritten(
  file: string,
  dir: string,
  tag: string,
  edit: (raw: Int16Array, width: number, height: number) => void,
): Promise<string> {
  const { header, width, height, raw } = await readFitsImageFile(file);
  if (!(raw instanceof Int16Array)) throw new Error(`${basename(file)} is not an int16 frame`);
  edit(raw, width, height);
  const path = join(dir, `${tag}-${basename(file)}`);
  await writeFile(path, encodeFits({ header, width, height, data: raw }, { format: 'rice' }));
  return path;
}
