import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import {
  InvalidRequestError,
  type ImageInfo,
  type ImageLevel,
  type ImageRef,
  type PixelBlock,
  type Region,
} from '../contract/index.js';
import { isFitsFileName } from '../engine/pipeline/outputFiles.js';
import {
  readFitsImage,
  readFitsImageInfo,
  readFitsStructure,
  readInputFile,
  toFloat64,
  type HeaderValue,
} from '../engine/fits/index.js';
import { cutoutName, encodeCutout } from './fitsCutout.js';
import type { JobQueue } from './jobQueue.js';

interface Decoded {
  info: ImageInfo;
  pixels: Float32Array;
}

/** Decoded images kept for the viewer: a 4096² frame is 64 MB as float32, so only a few. */
const CACHED_IMAGES = 3;

/**
 * The viewer's access to images: header and statistics, a downsampled preview (mean of each block's
 * finite pixels) and full-resolution float32 pixels, whole or by region.
 */
export class ImageAccess {
  private readonly cache = new Map<string, Promise<Decoded>>();

  constructor(private readonly queue: Pick<JobQueue, 'get'>) {}

  async info(ref: ImageRef): Promise<ImageInfo> {
    return (await this.decoded(ref)).info;
  }

  async preview(
    ref: ImageRef,
    maxSize = 512,
  ): Promise<PixelBlock<{ width: number; height: number; binning: number }>> {
    if (!(Number.isInteger(maxSize) && maxSize >= 1)) throw new InvalidRequestError('maxSize must be ≥ 1');
    const { info, pixels } = await this.decoded(ref);
    const binning = Math.max(1, Math.ceil(Math.max(info.width, info.height) / maxSize));
    const width = Math.ceil(info.width / binning);
    const height = Math.ceil(info.height / binning);
    const sums = new Float64Array(width * height);
    const counts = new Uint32Array(width * height);
    for (let y = 0; y < info.height; y++) {
      const row = Math.floor(y / binning) * width;
      for (let x = 0; x < info.width; x++) {
        const v = pixels[y * info.width + x];
        if (Number.isFinite(v)) {
          sums[row + Math.floor(x / binning)] += v;
          counts[row + Math.floor(x / binning)]++;
        }
      }
    }
    const out = new Float32Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = counts[i] > 0 ? sums[i] / counts[i] : Number.NaN;
    return { meta: { width, height, binning }, pixels: out };
  }

  async pixels(ref: ImageRef, region?: Region): Promise<PixelBlock<Region>> {
    const { info, pixels } = await this.decoded(ref);
    const r = region ?? { x: 0, y: 0, width: info.width, height: info.height };
    const whole = [r.x, r.y, r.width, r.height].every(Number.isInteger);
    if (
      !whole ||
      r.x < 0 ||
      r.y < 0 ||
      r.width < 1 ||
      r.height < 1 ||
      r.x + r.width > info.width ||
      r.y + r.height > info.height
    ) {
      throw new InvalidRequestError(
        `region ${JSON.stringify(r)} is not inside the ${info.width}×${info.height} image`,
      );
    }
    if (!region) return { meta: r, pixels: pixels.slice() };
    const out = new Float32Array(r.width * r.height);
    for (let y = 0; y < r.height; y++) {
      const from = (r.y + y) * info.width + r.x;
      out.set(pixels.subarray(from, from + r.width), y * r.width);
    }
    return { meta: r, pixels: out };
  }

  /**
   * A FITS file of `region` (pixels of the image's own grid) with the parent's header and WCS, its
   * reference pixel moved so each pixel keeps its world coordinate (fitsCutout.ts).
   */
  async cutout(ref: ImageRef, region: Region): Promise<{ name: string; bytes: Uint8Array }> {
    const { pixels } = await this.pixels(ref, region);
    const source = await this.pathOf(ref);
    const parent = readFitsImageInfo(await readFitsStructure(source)).header;
    return { name: cutoutName(source, region), bytes: encodeCutout(parent, region, pixels, source) };
  }

  /** Where a cut-out is written unless the request says: the job's output folder, or beside the file. */
  async cutoutFolder(ref: ImageRef): Promise<string> {
    return 'path' in ref
      ? dirname(await this.pathOf(ref))
      : (await this.queue.get(ref.jobId)).recipe.outputDir;
  }

  /**
   * A file by path is served only as the file browser would list it (listFolder): a FITS name, not
   * hidden, a regular file (readInputFile); a job's level is its input or product.
   */
  private async pathOf(ref: ImageRef): Promise<string> {
    if ('path' in ref && typeof ref.path === 'string') {
      const path = resolve(ref.path);
      if (!isFitsFileName(path)) throw new InvalidRequestError(`not a FITS file name: ${ref.path}`);
      if (basename(path).startsWith('.'))
        throw new InvalidRequestError(`a hidden file is not served: ${ref.path}`);
      return path;
    }
    const { jobId, level } = ref as { jobId: string; level: ImageLevel };
    const job = await this.queue.get(jobId);
    if (level === '1') return job.input.path;
    const product = job.outputs.find((o) => o.path.endsWith(`_lev${level}.fits`));
    if (!product)
      throw new InvalidRequestError(`job ${jobId} has no level ${level} product (it is ${job.state})`);
    return product.path;
  }

  /** Decoded once per file version: a product made again is read again. */
  private async decoded(ref: ImageRef): Promise<Decoded> {
    const path = await this.pathOf(ref);
    const version = await stat(path);
    const key = `${path}\0${version.size}\0${version.mtimeMs}`;
    let entry = this.cache.get(key);
    if (entry) {
      this.cache.delete(key);
    } else {
      entry = decode(path);
      entry.catch(() => this.cache.delete(key));
    }
    this.cache.set(key, entry);
    while (this.cache.size > CACHED_IMAGES) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}

async function decode(path: string): Promise<Decoded> {
  const image = readFitsImage(await readInputFile(path));
  const pixels = Float32Array.from(toFloat64(image, { blank: 'nan' }));
  maskFloatFill(pixels, image.bitpix, image.header.toRecord());
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (const v of pixels) {
    if (Number.isNaN(v)) missing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const info: ImageInfo = {
    path,
    width: image.width,
    height: image.height,
    bitpix: image.bitpix,
    header: image.header.toRecord(),
    history: image.header.history(),
    min,
    max,
    missing,
  };
  return { info, pixels };
}

/**
 * FITS defines BLANK for integer images only, but float files in the wild carry it too (the 2048² AIA
 * 1600 Å sample: BITPIX −64, BLANK −32768 on 1.3M corner pixels), and a product made from such a file
 * may keep the −32768 without the keyword. The viewer treats such values as missing (the float file's
 * BLANK, else AIA's fill −32768 in an SDO/AIA image), so that fill enters no statistics, clip or
 * preview mean.
 */
function maskFloatFill(pixels: Float32Array, bitpix: number, header: Record<string, HeaderValue>): void {
  if (bitpix > 0) return;
  const aia = typeof header.TELESCOP === 'string' && header.TELESCOP.startsWith('SDO/AIA');
  const fill = typeof header.BLANK === 'number' ? header.BLANK : aia ? AIA_FILL : undefined;
  if (fill === undefined) return;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] === fill) pixels[i] = Number.NaN;
}

/** The BLANK of AIA's int16 level 1 files (JSOC). */
const AIA_FILL = -32768;
