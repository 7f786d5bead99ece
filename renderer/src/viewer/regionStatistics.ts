import { applyAffine, invertAffine } from './affineMap.js';
import type { LevelImage } from './levelImage.js';

export interface RegionStatistics {
  /** Pixels with a value inside the box, and those inside without one (NaN, fill). */
  count: number;
  missing: number;
  sum: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sigma: number;
  min: number;
  max: number;
}

/**
 * Statistics of the image's pixels whose centres lie in a helioprojective box (corners in arcsec), so
 * one box on the Sun gives each level's numbers on its own grid. Missing pixels are counted apart.
 */
export function regionStatistics(
  image: Pick<LevelImage, 'width' | 'height' | 'data' | 'affine'>,
  a: [number, number],
  b: [number, number],
): RegionStatistics {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  const corners = [
    applyAffine(image.affine, x0, y0),
    applyAffine(image.affine, x0, y1),
    applyAffine(image.affine, x1, y0),
    applyAffine(image.affine, x1, y1),
  ];
  const px = corners.map((c) => c[0]);
  const py = corners.map((c) => c[1]);
  const toWorld = invertAffine(image.affine);
  let count = 0;
  let missing = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const values: number[] = [];
  for (
    let y = Math.max(0, Math.floor(Math.min(...py)));
    y <= Math.min(image.height - 1, Math.ceil(Math.max(...py)));
    y++
  ) {
    for (
      let x = Math.max(0, Math.floor(Math.min(...px)));
      x <= Math.min(image.width - 1, Math.ceil(Math.max(...px)));
      x++
    ) {
      const [tx, ty] = applyAffine(toWorld, x, y);
      if (tx < x0 || tx > x1 || ty < y0 || ty > y1) continue;
      const v = image.data[y * image.width + x];
      if (!Number.isFinite(v)) {
        missing++;
        continue;
      }
      count++;
      sum += v;
      values.push(v);
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const mean = count ? sum / count : Number.NaN;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return {
    count,
    missing,
    sum,
    mean,
    sigma: count > 1 ? Math.sqrt(squares / (count - 1)) : Number.NaN,
    min,
    max,
  };
}
