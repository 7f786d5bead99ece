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
  const { raw, width, height, bscale, bzero } = image;
  if (raw instanceof BigInt64Array) throw new Error('64-bit integer AIA images do not exist');
  const floating = image.bitpix < 0;
  // compare stored samples, not scaled values: one comparison a pixel (BSCALE > 0 for AIA)
  const saturatedFrom = bscale > 0 ? (saturationDn - bzero) / bscale : -Infinity;
  const blank = floating ? JSOC_BLANK : (image.blank ?? NaN);
  const runs = {
    length: new Uint16Array(width),
    lastRow: new Int32Array(width).fill(-2),
    bleeding: new Uint8Array(width),
  };
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
    const row = raw.subarray(y * width, (y + 1) * width);
    for (let x = 0; x < width; x++) {
      const stored = row[x];
      // NaN never equals anything, so `stored !== stored` finds it without a call
      if (stored === blank || stored !== stored) {
        missing++;
        if (x >= x0 && x <= x1) diskMissing++;
      } else if (stored >= saturatedFrom) {
        saturated++;
        saturatedAt(runs, x, y);
      }
    }
  }
  let bleedColumns = 0;
  for (let x = 0; x < width; x++) bleedColumns += runs.bleeding[x];
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

/** Extends column x's run of saturated pixels (or starts one) and marks the column once it bleeds. */
function saturatedAt(
  runs: { length: Uint16Array; lastRow: Int32Array; bleeding: Uint8Array },
  x: number,
  y: number,
): void {
  runs.length[x] = runs.lastRow[x] === y - 1 ? runs.length[x] + 1 : 1;
  runs.lastRow[x] = y;
  if (runs.length[x] >= QA_THRESHOLDS.bleedRun) runs.bleeding[x] = 1;
}
