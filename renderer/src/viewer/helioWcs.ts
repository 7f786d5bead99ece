/**
 * The world coordinates of one image, from its FITS header: pixel ↔ helioprojective (Tx, Ty) arcsec
 * through the engine's own TAN projection (main/common/tanProjection.ts), so panes of levels 1,
 * 1.5 and 1.6 are synced and read out at the same place on the Sun whatever their pixel grids.
 */
import {
  helioprojectiveToPixel,
  invert,
  pixelToHelioprojective,
  rotationMatrix,
  type TanProjection,
} from '../../../main/common/tanProjection.js';

export interface ImageWcs extends TanProjection {
  /** Apparent solar radius, arcsec. */
  rsunObs: number;
  /** Heliographic latitude of the observer (B0), degrees; 0 when the header lacks it. */
  b0: number;
}

export type HeaderValues = Record<string, string | number | boolean | undefined>;

export function wcsFromHeader(h: HeaderValues): ImageWcs {
  const number = (k: string) => (typeof h[k] === 'number' ? (h[k] as number) : undefined);
  const num = (k: string, fallback: number) => number(k) ?? fallback;
  return {
    crpix1: num('CRPIX1', 0),
    crpix2: num('CRPIX2', 0),
    cdelt1: num('CDELT1', 1),
    cdelt2: num('CDELT2', 1),
    crval1: num('CRVAL1', 0),
    crval2: num('CRVAL2', 0),
    rotation: rotationMatrix({ number, has: (k) => k in h }),
    rsunObs: num('RSUN_OBS', 960),
    b0: num('CRLT_OBS', num('HGLT_OBS', 0)),
  };
}

/** 1-based pixel → helioprojective (Tx, Ty), arcsec. */
export function pixelToWorld(w: ImageWcs, px: number, py: number): [number, number] {
  return pixelToHelioprojective(w, px, py);
}

/** Helioprojective (Tx, Ty) arcsec → 1-based pixel. */
export function worldToPixel(w: ImageWcs, tx: number, ty: number): [number, number] {
  return helioprojectiveToPixel(w, tx, ty);
}

/** Distance from disk centre in solar radii. */
export function solarRadii(w: ImageWcs, tx: number, ty: number): number {
  return Math.hypot(tx, ty) / w.rsunObs;
}

/**
 * World → 0-based pixel as an affine map [a, b, c, d, e, f]: px = a·Tx + b·Ty + c, py = d·Tx + e·Ty + f,
 * the TAN projection linearised at the reference pixel. Over the AIA field (±0.35°) the neglected term
 * is below 0.01″, far under a pixel, so the GPU can draw every pane with a 2×3 matrix.
 */
export function worldToPixelAffine(w: ImageWcs): [number, number, number, number, number, number] {
  const inv = invert(w.rotation);
  const a = inv[0] / w.cdelt1;
  const b = inv[1] / w.cdelt2;
  const d = inv[2] / w.cdelt1;
  const e = inv[3] / w.cdelt2;
  const [u, v] = [-w.crval1, -w.crval2];
  return [a, b, w.crpix1 - 1 + a * u + b * v, d, e, w.crpix2 - 1 + d * u + e * v];
}

/** The WCS of an image block-averaged by `binning` (the server's quick preview): same sky, bigger pixels. */
export function binnedWcs(w: ImageWcs, binning: number): ImageWcs {
  if (binning === 1) return w;
  return {
    ...w,
    crpix1: (w.crpix1 - 0.5) / binning + 0.5,
    crpix2: (w.crpix2 - 0.5) / binning + 0.5,
    cdelt1: w.cdelt1 * binning,
    cdelt2: w.cdelt2 * binning,
  };
}

/**
 * Why a header's WCS cannot place the image on the Sun as wcsFromHeader reads it (helioprojective TAN
 * in arcsec with a reference pixel and a scale), or undefined when it can. A FITS file opened beside
 * the levels (not one of ours) may lack it; it is then not aligned with them, nor differenced.
 */
export function worldGridProblem(h: HeaderValues): string | undefined {
  const text = (k: string) => (typeof h[k] === 'string' ? (h[k] as string).trim() : '');
  if (!text('CTYPE1').startsWith('HPLN') || !text('CTYPE2').startsWith('HPLT'))
    return `its CTYPE1/2 (${text('CTYPE1') || 'none'}, ${text('CTYPE2') || 'none'}) are not helioprojective`;
  for (const unit of ['CUNIT1', 'CUNIT2'])
    if (text(unit) && text(unit) !== 'arcsec') return `${unit} is ${text(unit)}, not arcsec`;
  if (!['CRPIX1', 'CRPIX2', 'CDELT1', 'CDELT2'].every((k) => typeof h[k] === 'number'))
    return 'it lacks CRPIX1/2 or CDELT1/2';
  return undefined;
}
