import { worldToPixel, type ImageWcs } from './helioWcs.js';

/** A decoded image: row-major float32, row 0 at the bottom (FITS order). */
export interface ImageData32 {
  width: number;
  height: number;
  data: Float32Array;
  wcs: ImageWcs;
}

/** The value of the pixel containing the world point (nearest), with its 0-based pixel coordinates. */
export function sampleAtWorld(
  image: ImageData32,
  tx: number,
  ty: number,
): { x: number; y: number; value: number } | undefined {
  const [px, py] = worldToPixel(image.wcs, tx, ty);
  const x = Math.round(px - 1);
  const y = Math.round(py - 1);
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return undefined;
  return { x, y, value: image.data[y * image.width + x] };
}

/** Values along the world-coordinate segment from a to b at `samples` evenly spaced points (NaN off the image). */
export function lineProfile(
  image: ImageData32,
  a: [number, number],
  b: [number, number],
  samples: number,
): Float64Array {
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const f = samples > 1 ? i / (samples - 1) : 0;
    const hit = sampleAtWorld(image, a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]));
    out[i] = hit ? hit.value : Number.NaN;
  }
  return out;
}

/**
 * Bilinear value at 0-based pixel coordinates, as the GPU shader samples an image onto another's grid:
 * NaN when a neighbour with non-zero weight is missing or off the image (no invented edges).
 */
export function bilinearAt(image: ImageData32, px: number, py: number): number {
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  const fx = px - x0;
  const fy = py - y0;
  let sum = 0;
  for (const [dx, dy, w] of [
    [0, 0, (1 - fx) * (1 - fy)],
    [1, 0, fx * (1 - fy)],
    [0, 1, (1 - fx) * fy],
    [1, 1, fx * fy],
  ]) {
    if (w === 0) continue;
    const x = x0 + dx;
    const y = y0 + dy;
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return Number.NaN;
    sum += w * image.data[y * image.width + x];
  }
  return sum;
}
