import { symmetricLimits, type Limits } from './clipLimits.js';
import { sampleAtWorld } from './imageSampling.js';
import type { LevelImage } from './levelImage.js';

/**
 * Symmetric limits ±m of the difference A − B, m the `percentile` of |A − B| over about 200×200 pixels
 * of A, each compared with B at the same place on the Sun (through both WCSs).
 */
export function differenceLimits(a: LevelImage, b: LevelImage, percentile: number): Limits {
  const diffs: number[] = [];
  const stepY = Math.max(1, Math.floor(a.height / 200));
  const stepX = Math.max(1, Math.floor(a.width / 200));
  for (let y = 0; y < a.height; y += stepY) {
    for (let x = 0; x < a.width; x += stepX) {
      const va = a.data[y * a.width + x];
      const [tx, ty] = pixelWorld(a, x, y);
      const vb = sampleAtWorld(b, tx, ty)?.value;
      if (Number.isFinite(va) && vb !== undefined && Number.isFinite(vb)) diffs.push(Math.abs(va - vb));
    }
  }
  return symmetricLimits(Float32Array.from(diffs).sort(), percentile);
}

/** 0-based pixel → world through the inverse of the image's affine world → pixel map. */
function pixelWorld(image: LevelImage, x: number, y: number): [number, number] {
  const [a, b, c, d, e, f] = image.affine;
  const det = a * e - b * d;
  return [(e * (x - c) - b * (y - f)) / det, (-d * (x - c) + a * (y - f)) / det];
}
