import type { ImageLevel } from '../api/appApi.js';
import type { PaneMode } from '../gl/imageRenderer.js';

export type CompareMode = 'side' | 'blink' | 'swipe' | 'difference';

/** What one pane shows: one level, or two (swipe: A left of the split, difference: A − B). */
export interface PaneSpec {
  mode: PaneMode;
  a: ImageLevel;
  b?: ImageLevel;
}

/**
 * The panes of a mode over the levels that have pixels: side by side one pane per level; blink one pane
 * stepping through them; swipe and difference one pane of the chosen pair (falling back to the last and
 * first level present when a chosen one is missing).
 */
export function comparePanes(
  mode: CompareMode,
  have: readonly ImageLevel[],
  pair: { a: ImageLevel; b: ImageLevel },
  blinkIndex: number,
): PaneSpec[] {
  if (!have.length) return [];
  const a = have.includes(pair.a) ? pair.a : have[have.length - 1];
  const b = have.includes(pair.b) ? pair.b : have[0];
  switch (mode) {
    case 'side':
      return have.map((l) => ({ mode: 'single', a: l }));
    case 'blink':
      return [{ mode: 'single', a: have[blinkIndex % have.length] }];
    case 'swipe':
      return [{ mode: 'swipe', a, b }];
    case 'difference':
      return [{ mode: 'difference', a, b }];
  }
}

/** n equal panes side by side across a width, 2 px apart (device pixels from the left). */
export function paneColumns(n: number, width: number): { x: number; width: number }[] {
  const w = Math.floor(width / Math.max(1, n));
  return Array.from({ length: n }, (_, i) => ({ x: i * w, width: w - (i < n - 1 ? 2 : 0) }));
}
