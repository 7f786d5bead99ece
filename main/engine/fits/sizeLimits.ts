/**
 * How large an input this reader accepts, checked from the declared sizes before anything is allocated
 * (README, "Limits"): a damaged or hostile header cannot make it take gigabytes of memory.
 */
import { FitsFormatError } from './errors.js';

/** Pixels of one image: 16384 × 16384, four times an AIA frame's side. */
export const MAX_IMAGE_PIXELS = 16384 * 16384;
/** Bytes of one image's stored pixels (1 GiB: a 16384² float32 image, an 11585² float64 one). */
export const MAX_IMAGE_BYTES = 2 ** 30;
/** Bytes of a whole input file: the largest image uncompressed, plus its headers and tables. */
export const MAX_FILE_BYTES = MAX_IMAGE_BYTES + 64 * 2 ** 20;

/** Refuses an image whose declared size exceeds `maxPixels` (at most MAX_IMAGE_PIXELS) or MAX_IMAGE_BYTES. */
export function requireImageSize(
  width: number,
  height: number,
  bytesPerPixel: number,
  hduIndex: number,
  maxPixels = MAX_IMAGE_PIXELS,
): void {
  const limit = Math.min(maxPixels, MAX_IMAGE_PIXELS);
  const pixels = width * height;
  if (pixels > limit || pixels * bytesPerPixel > MAX_IMAGE_BYTES) {
    const side = Math.floor(Math.sqrt(limit));
    throw new FitsFormatError(
      'unsupported',
      `HDU ${hduIndex} declares a ${width}×${height} image of ${bytesPerPixel}-byte pixels ` +
        `(${formatBytes(pixels * bytesPerPixel)}): larger than the ${side}×${side} pixels and ` +
        `${formatBytes(MAX_IMAGE_BYTES)} an input may have`,
    );
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}
