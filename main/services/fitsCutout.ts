import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Region } from '../contract/index.js';
import { encodeFits, FitsHeader } from '../engine/fits/index.js';
import { fitsStem, writeFileAtomically } from '../engine/pipeline/outputFiles.js';
import { APP_VERSION } from '../version.js';

/**
 * Keywords that describe the whole parent frame's pixels (aia_prep's statistics, the level 1 counts):
 * true of the frame, false of a piece of it, so a cut-out leaves them out rather than carry wrong numbers.
 */
const FRAME_STATISTICS =
  /^(DATAMIN|DATAMAX|DATAMEAN|DATAMEDN|DATARMS|DATASKEW|DATAKURT|DATAVALS|MISSVALS|TOTVALS|PERCENTD|NSATPIX|DATAP\d\d)$/;

/**
 * The header of a cut-out of `region` (0-based pixels of the parent's grid): the parent's cards with
 * the reference pixel moved by the region's corner, so every pixel keeps its world coordinate; the
 * frame's statistics dropped; HISTORY saying where it came from. Size, type and checksums are the
 * writer's.
 */
export function cutoutHeader(parent: FitsHeader, region: Region, source: string): FitsHeader {
  const header = new FitsHeader(
    parent.cards.filter((c) => !FRAME_STATISTICS.test(c.key)).map((c) => ({ ...c })),
  );
  for (const [key, by] of [
    ['CRPIX1', region.x],
    ['CRPIX2', region.y],
  ] as const) {
    const at = header.number(key);
    if (at !== undefined) header.set(key, at - by, undefined, { isFloat: true });
  }
  const last = [region.x + region.width, region.y + region.height];
  // A header is ASCII only: a file name's other characters become '?'.
  const name = basename(source).replace(/[^\x20-\x7e]/g, '?');
  header.addHistory(
    `AIA Studio ${APP_VERSION}: cut-out [${region.x + 1}:${last[0]}, ${region.y + 1}:${last[1]}] (1-based) of ${name}; CRPIX shifted, frame statistics removed`,
  );
  return header;
}

/** The cut-out as a float32 FITS file (NaN where the parent had no value). */
export function encodeCutout(
  parent: FitsHeader,
  region: Region,
  pixels: Float32Array,
  source: string,
): Uint8Array {
  const header = cutoutHeader(parent, region, source);
  return encodeFits(
    { header, width: region.width, height: region.height, data: pixels },
    { format: 'float32' },
  );
}

/** `<parent name>_cutout_<x>_<y>_<w>x<h>.fits`, x and y of its first pixel, 1-based. */
export function cutoutName(source: string, region: Region): string {
  return `${fitsStem(source)}_cutout_${region.x + 1}_${region.y + 1}_${region.width}x${region.height}.fits`;
}

/**
 * Writes a cut-out into `folder` atomically (temporary name, flushed, renamed), under its name or,
 * when a file has it already, the first free `-2`, `-3`… variant: an earlier cut-out is never replaced.
 */
export async function writeCutoutFile(folder: string, name: string, bytes: Uint8Array): Promise<string> {
  const stem = name.replace(/\.fits$/, '');
  for (let n = 1; ; n++) {
    const path = join(folder, n === 1 ? name : `${stem}-${n}.fits`);
    const taken = await access(path).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    await writeFileAtomically(path, bytes);
    return path;
  }
}

/** A FITS file's bytes as the 32-bit words a binary reply carries (FitsFileBlock), not copied when aligned. */
export function fitsWords(bytes: Uint8Array): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}
