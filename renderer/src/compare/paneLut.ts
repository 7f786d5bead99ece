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

/** The lookups made last, by key: the panes, the colour bar and the magnifier ask for the same ones. */
const made = new Map<string, Uint8Array>();
const KEPT = 16;
/** Histogram equalisation depends on the image's own pixels: its lookups are told apart by image. */
const imageIds = new WeakMap<LevelImage, number>();
let nextImageId = 1;

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
  const equalised = image && stretch === 'histeq' ? image : undefined;
  if (equalised && !imageIds.has(equalised)) imageIds.set(equalised, nextImageId++);
  const key = `${colours}|${channel}|${stretch}|${limits.lo}|${limits.hi}|${invert}|${equalised ? imageIds.get(equalised) : ''}`;
  return {
    key,
    rgba: () => {
      let lut = made.get(key);
      if (!lut) {
        const counts = equalised ? histogram(equalised.sorted, limits.lo, limits.hi, 1024) : undefined;
        lut = displayLut(colourTable(colours, channel), stretch, counts);
        if (invert) lut = invertLut(lut);
        if (made.size >= KEPT) made.delete(made.keys().next().value!);
        made.set(key, lut);
      }
      return lut;
    },
  };
}

function invertLut(lut: Uint8Array): Uint8Array {
  const out = new Uint8Array(lut.length);
  const n = lut.length / 4;
  for (let i = 0; i < n; i++) out.set(lut.subarray(4 * (n - 1 - i), 4 * (n - i)), 4 * i);
  return out;
}
