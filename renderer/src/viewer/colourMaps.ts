import aia from '../../../resources/colour-tables/aia.json' with { type: 'json' };
import { equalisationCurve, onCurve, stretch, type Scale } from './scales.js';

/**
 * 'aia' = the channel's SSW aia_lct table (grey for a channel without one); 'cubehelix' = Green (2011),
 * brightness rising monotonically (prints in grey); 'heat' = black–red–yellow–white.
 */
export const COLOUR_MAPS = ['aia', 'grey', 'cubehelix', 'heat', 'diverging'] as const;
export type ColourMap = (typeof COLOUR_MAPS)[number];

/** 256 RGB triplets. */
export type ColourTable = Uint8Array;

function fromHex(hex: string): ColourTable {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < table.length; i++) table[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return table;
}

const GREY: ColourTable = (() => {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.fill(i, 3 * i, 3 * i + 3);
  return table;
})();

const tables: Record<string, string> = aia.tables;

/** A table from a function of t ∈ [0, 1] to RGB in [0, 1]. */
function fromCurve(rgb: (t: number) => [number, number, number]): ColourTable {
  const table = new Uint8Array(256 * 3);
  const clamp = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  for (let i = 0; i < 256; i++) table.set(rgb(i / 255).map(clamp), 3 * i);
  return table;
}

/** Green (2011), Bull. Astr. Soc. India 39, 289: start 0.5, rotations −1.5, hue 1, gamma 1. */
const CUBEHELIX = fromCurve((t) => {
  const angle = 2 * Math.PI * (0.5 / 3 + 1 - 1.5 * t);
  const amp = (t * (1 - t)) / 2;
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  return [
    t + amp * (-0.14861 * c + 1.78277 * s),
    t + amp * (-0.29227 * c - 0.90649 * s),
    t + amp * 1.97294 * c,
  ];
});
const HEAT = fromCurve((t) => [t / 0.4, (t - 0.4) / 0.4, (t - 0.8) / 0.2]);

export function colourTable(map: ColourMap, channel?: number): ColourTable {
  if (map === 'diverging') return fromHex(aia.diverging);
  if (map === 'cubehelix') return CUBEHELIX;
  if (map === 'heat') return HEAT;
  const hex = map === 'aia' && channel !== undefined ? tables[String(channel)] : undefined;
  return hex ? fromHex(hex) : GREY;
}

/** Entries of the lookup texture: enough that log/asinh steps stay below one 8-bit display level. */
export const LUT_SIZE = 4096;

/**
 * The RGBA lookup the GPU reads with the clipped, normalised value t ∈ [0, 1]: the stretch and the
 * colour table in one texture, so every scale costs the shader one texture read. `counts` is the
 * histogram of the clipped range, needed for histogram equalisation only.
 */
export function displayLut(table: ColourTable, scale: Scale, counts?: ArrayLike<number>): Uint8Array {
  const curve = scale === 'histeq' ? equalisationCurve(counts ?? [1]) : undefined;
  const lut = new Uint8Array(LUT_SIZE * 4);
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = i / (LUT_SIZE - 1);
    const level = curve ? onCurve(curve, t) : stretch(scale as Exclude<Scale, 'histeq'>, t);
    const k = 3 * Math.min(255, Math.round(level * 255));
    lut.set([table[k], table[k + 1], table[k + 2], 255], 4 * i);
  }
  return lut;
}
