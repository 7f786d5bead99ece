import type { FitsImage } from '../fits/index.js';
import { QA_THRESHOLDS } from './qaThresholds.js';

/** What one pass over the level 1 pixels finds: data gaps and saturation. */
export interface Level1Scan {
  pixels: number;
  missingPixels: number;
  /** Pixels inside the solar disk (RSUN_OBS around the Sun centre) and those of them without data. */
  diskPixels: number;
  diskMissingPixels: number;
  saturationDn: number;
  saturatedPixels: number;
  /** Columns holding a vertical run of at least QA_THRESHOLDS.bleedRun saturated pixels. */
  bleedColumns: number;
}

/** The Sun on the level 1 grid: centre (0-based pixels) and radius in pixels. */
export interface DiskOnGrid {
  x: number;
  y: number;
  radius: number;
}

/** JSOC's BLANK, which rewrites of level 1 files as floats (SunPy's resampled samples) keep as a value. */
const JSOC_BLANK = -32768;

/**
 * Missing, on-disk missing and saturated level 1 pixels, in physical DN (BSCALE/BZERO applied), in
 * one pass over the decoded samples. Missing = BLANK, NaN, or −32768 in a float image.
 */
export function scanLevel1(image: FitsImage, disk: DiskOnGrid, saturationDn: number): Level1Scan {
  const { raw, width, height, bscale, bzero, blank } = image;
  if (raw instanceof BigInt64Array) throw new Error('64-bit integer AIA images do not exist');
  const floating = image.bitpix < 0;
  const run = new Uint16Array(width);
  const bleeding = new Uint8Array(width);
  let missing = 0;
  let diskPixels = 0;
  let diskMissing = 0;
  let saturated = 0;
  for (let y = 0; y < height; y++) {
    const dy = y - disk.y;
    const half = disk.radius * disk.radius - dy * dy;
    const chord = half > 0 ? Math.sqrt(half) : -1;
    const x0 = half > 0 ? Math.max(0, Math.ceil(disk.x - chord)) : 1;
    const x1 = half > 0 ? Math.min(width - 1, Math.floor(disk.x + chord)) : 0;
    if (x1 >= x0) diskPixels += x1 - x0 + 1;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const stored = raw[row + x];
      const absent = floating ? Number.isNaN(stored) || stored === JSOC_BLANK : stored === blank;
      if (absent) {
        missing++;
        if (x >= x0 && x <= x1) diskMissing++;
        run[x] = 0;
        continue;
      }
      if (stored * bscale + bzero >= saturationDn) {
        saturated++;
        if (++run[x] >= QA_THRESHOLDS.bleedRun) bleeding[x] = 1;
      } else run[x] = 0;
    }
  }
  let bleedColumns = 0;
  for (let x = 0; x < width; x++) bleedColumns += bleeding[x];
  return {
    pixels: width * height,
    missingPixels: missing,
    diskPixels,
    diskMissingPixels: diskMissing,
    saturationDn,
    saturatedPixels: saturated,
    bleedColumns,
  };
}
