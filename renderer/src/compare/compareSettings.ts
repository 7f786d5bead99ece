import { persisted } from '../stores/persisted.js';
import type { PaneLevel } from '../viewer/levelImage.js';
import type { ColourMap } from '../viewer/colourMaps.js';
import type { ScaleMethod } from '../viewer/displayScale.js';
import type { PaneSpec } from '../viewer/paneLayout.js';
import type { Scale } from '../viewer/scales.js';

export type Mode = 'side' | 'blink' | 'swipe' | 'difference';
export const MODES: { id: Mode; label: string; key: string }[] = [
  { id: 'side', label: 'Side by side', key: '1' },
  { id: 'blink', label: 'Blink', key: 'b' },
  { id: 'swipe', label: 'Swipe', key: 's' },
  { id: 'difference', label: 'Difference', key: 'd' },
];
export const LEVEL_NAMES: Record<PaneLevel, string> = {
  '1': 'Level 1',
  '1.5': 'Level 1.5',
  '1.6': 'Level 1.6',
  file: 'Opened file',
};

/** What a pane shows, as its label and its export name it: a level, or two on the first's grid. */
export function paneTitle(p: PaneSpec): string {
  if (p.mode === 'difference')
    return `${LEVEL_NAMES[p.a]} − ${LEVEL_NAMES[p.b!]} (on ${LEVEL_NAMES[p.a]}'s grid)`;
  if (p.mode === 'swipe') return `${LEVEL_NAMES[p.a]} | ${LEVEL_NAMES[p.b!]} (on ${LEVEL_NAMES[p.a]}'s grid)`;
  return LEVEL_NAMES[p.a];
}

/** The viewer's choices that survive a restart (localStorage); per-observation state is not here. */
export function compareSettings() {
  return persisted('viewer', {
    mode: 'side' as Mode,
    colourMap: 'aia' as ColourMap,
    scale: 'asinh' as Scale,
    clip: 'percentile' as ScaleMethod,
    percentiles: [1.25, 99.5] as [number, number],
    blinkMs: 500,
    limb: true,
    grid: false,
    invert: false,
    /** Arcsec axes on the panes, the helioprojective grid, the loupe at the pointer. */
    axes: true,
    hpGrid: false,
    magnifier: false,
  });
}
export type CompareSettings = ReturnType<typeof compareSettings>;
/** The settings object itself, as a template hands it to a child component. */
export type ViewerSettings = CompareSettings['value'];
