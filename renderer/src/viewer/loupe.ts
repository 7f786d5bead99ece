import { applyAffine } from './affineMap.js';
import type { Limits } from './clipLimits.js';
import type { LevelImage } from './levelImage.js';
import type { Viewport } from './viewport.js';

/**
 * The loupe's pixels: `size`² RGBA around the world point `at`, `magnification` times closer than the
 * view, each loupe pixel the colour of the data pixel it falls in (nearest: the true values, no
 * smoothing) through the same lookup as the pane (clip to limits, then the stretched colour table).
 * Where there is no value: the panes' background.
 */
export function loupePixels(
  image: Pick<LevelImage, 'width' | 'height' | 'data' | 'affine'>,
  at: [number, number],
  view: Viewport,
  magnification: number,
  size: number,
  lut: Uint8Array,
  limits: Limits,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(size * size * 4);
  const step = view.arcsecPerPixel / magnification;
  const entries = lut.length / 4;
  const span = Math.max(limits.hi - limits.lo, 1e-30);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const [px, py] = applyAffine(
        image.affine,
        at[0] + (i - size / 2 + 0.5) * step,
        at[1] - (j - size / 2 + 0.5) * step,
      );
      const x = Math.floor(px + 0.5);
      const y = Math.floor(py + 0.5);
      const o = 4 * (j * size + i);
      const v =
        x >= 0 && y >= 0 && x < image.width && y < image.height ? image.data[y * image.width + x] : NaN;
      if (!Number.isFinite(v)) {
        out.set([23, 26, 31, 255], o);
        continue;
      }
      const t = Math.min(1, Math.max(0, (v - limits.lo) / span));
      const k = 4 * Math.round(t * (entries - 1));
      out.set([lut[k], lut[k + 1], lut[k + 2], 255], o);
    }
  }
  return out;
}
