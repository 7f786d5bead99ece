import { symmetricLimits, type Limits } from './clipLimits.js';
import { applyAffine, invertAffine } from './affineMap.js';
import { bilinearAt } from './imageSampling.js';
import type { LevelImage } from './levelImage.js';

/**
 * Symmetric limits ±m of the difference A − B, m the `percentile` of |A − B| over about 200×200 pixels
 * of A, each compared with B interpolated (bilinear, as the shader does) at the same place on the Sun.
 */
export function differenceLimits(a: LevelImage, b: LevelImage, percentile: number): Limits {
  const diffs: number[] = [];
  const stepY = Math.max(1, Math.floor(a.height / 200));
  const toWorld = invertAffine(a.affine);
  const stepX = Math.max(1, Math.floor(a.width / 200));
  for (let y = 0; y < a.height; y += stepY) {
    for (let x = 0; x < a.width; x += stepX) {
      const va = a.data[y * a.width + x];
      const [bx, by] = applyAffine(b.affine, ...applyAffine(toWorld, x, y));
      const vb = bilinearAt(b, bx, by);
      if (Number.isFinite(va) && Number.isFinite(vb)) diffs.push(Math.abs(va - vb));
    }
  }
  return symmetricLimits(Float32Array.from(diffs).sort(), percentile);
}
