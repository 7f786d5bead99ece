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

/**
 * Where the level 1 samples' gaps and saturated pixels are, as register's layout pass lists them
 * beside the grid it writes: the scan from these needs no pass over the samples of its own.
 */
export interface Level1Samples {
  /** The gaps as runs along the rows: [start, end) pairs of indices into the samples, ascending. */
  missingRuns: Int32Array;
  /** Indices into the samples, ascending. */
  saturatedAt: ArrayLike<number>;
}

/** JSOC's BLANK, which rewrites of level 1 files as floats (SunPy's resampled samples) keep as a value. */
const JSOC_BLANK = -32768;

/** The stored sample value from which a pixel is saturated: one comparison a pixel (BSCALE > 0 for AIA). */
export function saturatedStoredFrom(image: FitsImage, saturationDn: number): number {
  return image.bscale > 0 ? (saturationDn - image.bzero) / image.bscale : -Infinity;
}

/**
 * Missing, on-disk missing and saturated level 1 pixels, in physical DN (BSCALE/BZERO applied), in
 * one pass over the decoded samples. Missing = BLANK, NaN, or −32768 in a float image.
 */
export function scanLevel1(image: FitsImage, disk: DiskOnGrid, saturationDn: number): Level1Scan {
  const { raw, width, height } = image;
  if (raw instanceof BigInt64Array) throw new Error('64-bit integer AIA images do not exist');
  const floating = image.bitpix < 0;
  // compare stored samples, not scaled values
  const saturatedFrom = saturatedStoredFrom(image, saturationDn);
  const blank = floating ? JSOC_BLANK : (image.blank ?? NaN);
  const bleed = new BleedRuns(width);
  let missing = 0;
  let diskMissing = 0;
  let saturated = 0;
  for (let y = 0; y < height; y++) {
    const [x0, x1] = diskChord(disk, y, width);
    const row = raw.subarray(y * width, (y + 1) * width);
    for (let x = 0; x < width; x++) {
      const stored = row[x];
      // NaN never equals anything, so `stored !== stored` finds it without a call
      if (stored === blank || stored !== stored) {
        missing++;
        if (x >= x0 && x <= x1) diskMissing++;
      } else if (stored >= saturatedFrom) {
        saturated++;
        bleed.saturatedAt(x, y);
      }
    }
  }
  return scanOf(width, height, disk, saturationDn, missing, diskMissing, saturated, bleed);
}

/** The same scan as scanLevel1's from the samples register's layout listed: no pass over the pixels. */
export function level1ScanOf(
  listed: Level1Samples,
  width: number,
  height: number,
  disk: DiskOnGrid,
  saturationDn: number,
): Level1Scan {
  let diskMissing = 0;
  let missing = 0;
  // a run's pixels inside the chord of its row, counted at once (a missing band is a run a row)
  const runs = listed.missingRuns;
  for (let r = 0; r < runs.length; r += 2) {
    missing += runs[r + 1] - runs[r];
    const rowStart = runs[r] - (runs[r] % width);
    const [x0, x1] = diskChord(disk, rowStart / width, width);
    diskMissing += Math.max(
      0,
      Math.min(runs[r + 1] - rowStart - 1, x1) - Math.max(runs[r] - rowStart, x0) + 1,
    );
  }
  const bleed = new BleedRuns(width);
  for (let k = 0; k < listed.saturatedAt.length; k++) {
    const y = Math.floor(listed.saturatedAt[k] / width);
    bleed.saturatedAt(listed.saturatedAt[k] - y * width, y);
  }
  return scanOf(width, height, disk, saturationDn, missing, diskMissing, listed.saturatedAt.length, bleed);
}

function scanOf(
  width: number,
  height: number,
  disk: DiskOnGrid,
  saturationDn: number,
  missing: number,
  diskMissing: number,
  saturated: number,
  bleed: BleedRuns,
): Level1Scan {
  let diskPixels = 0;
  for (let y = 0; y < height; y++) {
    const [x0, x1] = diskChord(disk, y, width);
    if (x1 >= x0) diskPixels += x1 - x0 + 1;
  }
  return {
    pixels: width * height,
    missingPixels: missing,
    diskPixels,
    diskMissingPixels: diskMissing,
    saturationDn,
    saturatedPixels: saturated,
    bleedColumns: bleed.columns(),
  };
}

/** The columns [x0, x1] of row y inside the disk (x1 < x0 where none). */
function diskChord(disk: DiskOnGrid, y: number, width: number): [number, number] {
  const dy = y - disk.y;
  const half = disk.radius * disk.radius - dy * dy;
  if (!(half > 0)) return [1, 0];
  const chord = Math.sqrt(half);
  return [Math.max(0, Math.ceil(disk.x - chord)), Math.min(width - 1, Math.floor(disk.x + chord))];
}

/** Each column's run of saturated pixels, visited in row order; a column bleeds once a run is long enough. */
class BleedRuns {
  private readonly length: Uint16Array;
  private readonly lastRow: Int32Array;
  private readonly bleeding: Uint8Array;

  constructor(width: number) {
    this.length = new Uint16Array(width);
    this.lastRow = new Int32Array(width).fill(-2);
    this.bleeding = new Uint8Array(width);
  }

  /** Extends column x's run (or starts one). */
  saturatedAt(x: number, y: number): void {
    this.length[x] = this.lastRow[x] === y - 1 ? this.length[x] + 1 : 1;
    this.lastRow[x] = y;
    if (this.length[x] >= QA_THRESHOLDS.bleedRun) this.bleeding[x] = 1;
  }

  columns(): number {
    let n = 0;
    for (const b of this.bleeding) n += b;
    return n;
  }
}
