import type { Ref } from 'vue';
import type { Limits } from '../viewer/clipLimits.js';
import { contrastBias } from '../viewer/contrastBias.js';
import type { PaneLevel } from '../viewer/levelImage.js';
import type { PaneSpec } from '../viewer/paneLayout.js';
import type { useDisplayLimits } from './useDisplayLimits.js';

/**
 * Right-drag on a pane adjusts its scale as DS9 does (contrastBias): the shared scale when the pane is
 * locked to it, its own otherwise, the difference's in a difference pane. Typed limits and the clip
 * panel follow, as for a dragged histogram handle.
 */
export function useContrastDrag(limits: ReturnType<typeof useDisplayLimits>, panes: Ref<PaneSpec[]>) {
  let start: { target: PaneLevel | 'difference'; limits: Limits } | undefined;
  return {
    begin(pane: number): void {
      const p = panes.value[pane];
      const target = p && !p.missing ? (p.mode === 'difference' ? 'difference' : p.a) : undefined;
      const at = target && (target === 'difference' ? limits.difference.value : limits.limitsOf(target));
      start = target && at && at.hi > at.lo ? { target, limits: { ...at } } : undefined;
    },
    move(dx: number, dy: number): void {
      if (start) limits.setLimits(start.target, contrastBias(start.limits, dx, dy));
    },
  };
}
