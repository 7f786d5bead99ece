import { percentileLimits, sortedSample } from './clipLimits.js';
import { colourTable, displayLut, LUT_SIZE } from './colourMaps.js';

/**
 * A small picture of an image for a list: the channel's AIA colours, asinh stretch between the
 * 1.25 and 99.5 percentiles, missing pixels dark; rows flipped (FITS row 1 is the bottom).
 */
export function thumbnailRgba(pixels: Float32Array, width: number, height: number, channel?: number) {
  const { lo, hi } = percentileLimits(sortedSample(pixels), 1.25, 99.5);
  const lut = displayLut(colourTable('aia', channel), 'asinh');
  const out = new Uint8ClampedArray(width * height * 4);
  const span = Math.max(hi - lo, 1e-30);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = pixels[(height - 1 - y) * width + x];
      const o = 4 * (y * width + x);
      if (!Number.isFinite(v)) {
        out.set([23, 26, 31, 255], o);
        continue;
      }
      const i = Math.round(Math.min(1, Math.max(0, (v - lo) / span)) * (LUT_SIZE - 1));
      out.set(lut.subarray(4 * i, 4 * i + 4), o);
    }
  return out;
}
