/**
 * The gnomonic (TAN) projection of a FITS WCS between 1-based pixels and helioprojective (Tx, Ty)
 * arcsec, with the native pole at φp = 180°. No imports, so the engine (full-disk check) and the
 * renderer (synced panes, pixel readout) share this one statement of it.
 */
/** 2×2 matrix [[m11, m12], [m21, m22]] stored row-major. */
export type Matrix2 = readonly [number, number, number, number];

export function invert(m: Matrix2): Matrix2 {
  const det = m[0] * m[3] - m[1] * m[2];
  return [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det];
}

export interface TanProjection {
  crpix1: number;
  crpix2: number;
  /** arcsec per pixel */
  cdelt1: number;
  cdelt2: number;
  /** helioprojective coordinates of the reference pixel, arcsec */
  crval1: number;
  crval2: number;
  /** pixel-to-intermediate rotation [[m11, m12], [m21, m22]], row-major */
  rotation: Matrix2;
}

const ARCSEC = Math.PI / (180 * 3600);

/** A header's numeric values by keyword (undefined when absent or not a number), and its keywords. */
export interface KeywordLookup {
  number(key: string): number | undefined;
  has(key: string): boolean;
}

/** The pixel-to-intermediate rotation as the spec defines it: PCi_j, else CDi_j / CDELT, else CROTA2. */
export function rotationMatrix(header: KeywordLookup): Matrix2 {
  const has = (keys: string[]) => keys.some((k) => header.has(k));
  const num = (k: string, fallback: number) => header.number(k) ?? fallback;
  if (has(['PC1_1', 'PC1_2', 'PC2_1', 'PC2_2'])) {
    return [num('PC1_1', 1), num('PC1_2', 0), num('PC2_1', 0), num('PC2_2', 1)];
  }
  const cdelt1 = num('CDELT1', 1);
  const cdelt2 = num('CDELT2', 1);
  if (has(['CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'])) {
    return [
      num('CD1_1', 0) / cdelt1,
      num('CD1_2', 0) / cdelt1,
      num('CD2_1', 0) / cdelt2,
      num('CD2_2', 0) / cdelt2,
    ];
  }
  const lambda = cdelt2 / cdelt1;
  const rho = (num('CROTA2', 0) * Math.PI) / 180;
  return [Math.cos(rho), -lambda * Math.sin(rho), Math.sin(rho) / lambda, Math.cos(rho)];
}

/**
 * Pixel (1-based FITS convention) → helioprojective (Tx, Ty) in arcsec, through the gnomonic (TAN)
 * projection of the header's WCS with the native pole at φp = 180°.
 */
export function pixelToHelioprojective(g: TanProjection, px: number, py: number): [number, number] {
  const dx = px - g.crpix1;
  const dy = py - g.crpix2;
  const r = g.rotation;
  const x = g.cdelt1 * (r[0] * dx + r[1] * dy) * ARCSEC;
  const y = g.cdelt2 * (r[2] * dx + r[3] * dy) * ARCSEC;
  const phi = Math.atan2(x, -y);
  const theta = Math.atan2(1, Math.hypot(x, y));
  const a0 = g.crval1 * ARCSEC;
  const d0 = g.crval2 * ARCSEC;
  const dphi = phi - Math.PI;
  const lat = Math.asin(Math.sin(theta) * Math.sin(d0) + Math.cos(theta) * Math.cos(d0) * Math.cos(dphi));
  const lon =
    a0 +
    Math.atan2(
      -Math.cos(theta) * Math.sin(dphi),
      Math.sin(theta) * Math.cos(d0) - Math.cos(theta) * Math.sin(d0) * Math.cos(dphi),
    );
  return [lon / ARCSEC, lat / ARCSEC];
}

/** Helioprojective (Tx, Ty) arcsec → pixel (1-based), the inverse of pixelToHelioprojective. */
export function helioprojectiveToPixel(g: TanProjection, tx: number, ty: number): [number, number] {
  const a = tx * ARCSEC;
  const d = ty * ARCSEC;
  const a0 = g.crval1 * ARCSEC;
  const d0 = g.crval2 * ARCSEC;
  const phi =
    Math.PI +
    Math.atan2(
      -Math.cos(d) * Math.sin(a - a0),
      Math.sin(d) * Math.cos(d0) - Math.cos(d) * Math.sin(d0) * Math.cos(a - a0),
    );
  const theta = Math.asin(Math.sin(d) * Math.sin(d0) + Math.cos(d) * Math.cos(d0) * Math.cos(a - a0));
  const rTheta = Math.cos(theta) / Math.sin(theta);
  const x = rTheta * Math.sin(phi);
  const y = -rTheta * Math.cos(phi);
  const inv = invert(g.rotation);
  const u = x / ARCSEC / g.cdelt1;
  const v = y / ARCSEC / g.cdelt2;
  return [g.crpix1 + inv[0] * u + inv[1] * v, g.crpix2 + inv[2] * u + inv[3] * v];
}
