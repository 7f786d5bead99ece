import type { Limits } from '../viewer/clipLimits.js';
import { colourTable, displayLut, type ColourMap } from '../viewer/colourMaps.js';
import { histogram } from '../viewer/histogram.js';
import type { LevelImage } from '../viewer/levelImage.js';
import type { Scale } from '../viewer/scales.js';

/** The lookup (stretch + colours) a pane is drawn with; the colour bar draws the same one. */
export interface PaneLut {
  key: string;
  rgba: () => Uint8Array;
}

/**
 * A level's lookup: the chosen map (per channel for 'aia') and stretch, inverted on request; a signed
 * difference (no image) is linear on the diverging map so that zero is its middle colour.
 */
export function paneLut(
  image: LevelImage | undefined,
  map: ColourMap,
  scale: Scale,
  limits: Limits,
  invert: boolean,
): PaneLut {
  const stretch = image ? scale : 'linear';
  const colours = image ? map : 'diverging';
  const channel = image ? Number(image.info.header.WAVELNTH) : undefined;
  return {
    key: `${colours}|${channel}|${stretch}|${limits.lo}|${limits.hi}|${invert}`,
    rgba: () => {
      const counts =
        image && stretch === 'histeq' ? histogram(image.sorted, limits.lo, limits.hi, 1024) : undefined;
      const lut = displayLut(colourTable(colours, channel), stretch, counts);
      return invert ? invertLut(lut) : lut;
    },
  };
}

function invertLut(lut: Uint8Array): Uint8Array {
  const out = new Uint8Array(lut.length);
  const n = lut.length / 4;
  for (let i = 0; i < n; i++) out.set(lut.subarray(4 * (n - 1 - i), 4 * (n - i)), 4 * i);
  return out;
}
