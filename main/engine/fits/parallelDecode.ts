/**
 * readFitsImage off the calling thread: a large tile-compressed image is decoded in bands of tile rows
 * on the tile decode pool, straight into a pixel array on a SharedArrayBuffer.
 */
import { requireDataSum } from './checksum.js';
import { allocatePixels, bytesPerPixel, type Bitpix, type RawPixels } from './pixels.js';
import { decodeImage, locateImage, tiledFitsImage, type FitsImage, type LocateOptions } from './read.js';
import { describeTiledImage, planTiledImage } from './tiledImage.js';
import { tileDecodePool } from './tileDecodePool.js';

export interface DecodeOptions extends LocateOptions {
  /** Worker threads to use at most (default: the whole pool, min(cores, 8)). */
  threads?: number;
  /**
   * Where a large tile-compressed image's pixels go (`count` of them, on a SharedArrayBuffer; contents
   * need not be zero: every pixel is written), instead of a new array; undefined for a new one.
   */
  pixels?: (bitpix: Bitpix, count: number) => RawPixels | undefined;
}

/** Below this a decode takes a few milliseconds on this thread, less than handing it over costs. */
const MIN_PARALLEL_PIXELS = 1 << 20;
/** Bands per thread: small enough that a thread finishing early takes another, few enough to cost nothing. */
const BANDS_PER_THREAD = 8;

/**
 * The same FitsImage as readFitsImage (header, raw type and values, scaling, errors), with the tiles of a
 * large tile-compressed image decoded on worker threads (one at least, so this thread stays free); `raw`
 * then lies on a SharedArrayBuffer. Other images decode on this thread.
 */
export async function decodeFitsImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<FitsImage> {
  const location = locateImage(bytes, options);
  const [width, height] = location.size;
  if (location.kind !== 'tiled' || width * height < MIN_PARALLEL_PIXELS) {
    return decodeImage(bytes, location);
  }
  const pool = tileDecodePool();
  const asked = Math.floor(options.threads ?? pool.threads);
  const threads = Math.min(pool.threads, asked >= 1 ? asked : 1);
  const plan = planTiledImage(bytes, location.layout);
  const { bitpix, width: w, height: h } = plan.params;
  const raw = options.pixels?.(bitpix, w * h) ?? allocatePixels(bitpix, w * h, true);
  if (raw.length !== w * h || raw.BYTES_PER_ELEMENT !== bytesPerPixel(bitpix))
    throw new TypeError(`pixels for a ${w}×${h} image of BITPIX ${bitpix} expected`);
  const rowsPerBand = Math.ceil(plan.tilesY / Math.min(plan.tilesY, threads * BANDS_PER_THREAD));
  const job = {
    bytes,
    hdu: location.layout.index,
    out: raw,
    next: new Int32Array(new SharedArrayBuffer(4)),
    bands: Math.ceil(plan.tilesY / rowsPerBand),
    rowsPerBand,
  };
  await pool.decode(job, threads);
  requireDataSum(bytes, location.layout);
  return tiledFitsImage(location, { ...describeTiledImage(plan, location.layout.header), raw });
}
