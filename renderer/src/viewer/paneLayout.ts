import type { PaneMode } from '../gl/imageRenderer.js';
import type { PaneLevel } from './levelImage.js';

export type CompareMode = 'side' | 'blink' | 'swipe' | 'difference';

/**
 * What one pane shows: one level, or two (swipe: A left of the split, difference: A − B, both on A's
 * grid). A level that is not there keeps its pane in side-by-side mode, with `missing` saying why.
 */
export interface PaneSpec {
  id: string;
  mode: PaneMode;
  a: PaneLevel;
  b?: PaneLevel;
  missing?: string;
}

/**
 * The panes of a mode. Side by side: one pane per level asked for (present or not); blink: one pane
 * stepping through the levels present; swipe and difference: one pane of the chosen pair (falling back
 * to the last and first level present when a chosen one is missing).
 */
export function comparePanes(
  mode: CompareMode,
  levels: readonly PaneLevel[],
  have: readonly PaneLevel[],
  missing: ReadonlyMap<PaneLevel, string>,
  pair: { a: PaneLevel; b: PaneLevel },
  blinkIndex: number,
): PaneSpec[] {
  if (mode === 'side')
    return levels
      .filter((l) => have.includes(l) || missing.has(l))
      .map((l) => ({ id: l, mode: 'single', a: l, missing: missing.get(l) }));
  if (!have.length) return [];
  const a = have.includes(pair.a) ? pair.a : have[have.length - 1];
  const b = have.includes(pair.b) ? pair.b : have[0];
  switch (mode) {
    case 'blink': {
      const l = have[blinkIndex % have.length];
      return [{ id: l, mode: 'single', a: l }];
    }
    case 'swipe':
      return [{ id: 'swipe', mode: 'swipe', a, b }];
    case 'difference':
      return [{ id: 'difference', mode: 'difference', a, b }];
  }
}

/** n equal panes side by side across a width, 2 px apart (device pixels from the left). */
export function paneColumns(n: number, width: number): { x: number; width: number }[] {
  const w = Math.floor(width / Math.max(1, n));
  return Array.from({ length: n }, (_, i) => ({ x: i * w, width: w - (i < n - 1 ? 2 : 0) }));
}
