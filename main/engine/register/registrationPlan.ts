import { InputRejectedError } from '../aia/inputRejection.js';
import { invert, type AiaGeometry, type Matrix2 } from '../aia/wcs.js';
import type { RegisterMode } from '../../common/recipeTerms.js';
import type { Interpolation } from './interpolation.js';

export type { RegisterMode };

/** Level 1.5 plate scale, arcsec per pixel. */
export const LEVEL15_SCALE = 0.6;

/**
 * Everything about a registration that follows from the header and the array shape alone. The
 * resampler reads the grid (the input, padded with `pad` missing pixels on each side in aiapy mode)
 * at grid coordinate A·q + offset for output pixel (col, row), where q = (col, row) + qOrigin.
 */
export interface RegistrationPlan {
  mode: RegisterMode;
  interpolation: Interpolation;
  inputWidth: number;
  inputHeight: number;
  padX: number;
  padY: number;
  gridWidth: number;
  gridHeight: number;
  matrix: Matrix2;
  offset: [number, number];
  qOrigin: [number, number];
  outputWidth: number;
  outputHeight: number;
  /** Output plate scale (arcsec/px) and input/output scale ratio k. */
  targetScale: number;
  scaleFactor: number;
  /** 1-based reference pixel of the output, where the Sun centre lands. */
  crpix1: number;
  crpix2: number;
}

/** numpy.round: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function targetScale(cdelt1: number, width: number, height: number): number {
  const ratio = roundHalfEven(cdelt1 / LEVEL15_SCALE);
  // Below 0.3″/px the ratio rounds to 0: a zero plate scale would make an all-NaN product.
  if (!(ratio >= 1)) {
    throw new InputRejectedError(
      'implausible-keyword',
      `CDELT1 = ${cdelt1} gives no level 1.5 plate scale (round(CDELT1 / ${LEVEL15_SCALE}) = ${ratio})`,
    );
  }
  return ratio !== 1 && !(width === 4096 && height === 4096) ? ratio * LEVEL15_SCALE : LEVEL15_SCALE;
}

export function planRegistration(
  g: AiaGeometry,
  width: number,
  height: number,
  mode: RegisterMode,
  interpolation: Interpolation,
): RegistrationPlan {
  const target = targetScale(g.cdelt1, width, height);
  const k = g.cdelt1 / target;
  const rinv = invert(g.rotation);
  const a: Matrix2 = [rinv[0] / k, rinv[1] / k, rinv[2] / k, rinv[3] / k];
  const common = {
    mode,
    interpolation,
    inputWidth: width,
    inputHeight: height,
    targetScale: target,
    scaleFactor: k,
  };

  if (mode === 'default') {
    const cOut: [number, number] = [(width - 1) / 2, (height - 1) / 2];
    return {
      ...common,
      padX: 0,
      padY: 0,
      gridWidth: width,
      gridHeight: height,
      matrix: a,
      offset: affineOffset(a, [g.crpix1 - 1, g.crpix2 - 1], cOut),
      qOrigin: [0, 0],
      outputWidth: width,
      outputHeight: height,
      crpix1: cOut[0] + 1,
      crpix2: cOut[1] + 1,
    };
  }

  // aiapy pads by half the growth of the scaled, rotated array's bounding box ...
  const r = g.rotation;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const cx of [-0.5, width - 0.5]) {
    for (const cy of [-0.5, height - 0.5]) {
      xs.push((cx * r[0] + cy * r[1]) * k);
      ys.push((cx * r[2] + cy * r[3]) * k);
    }
  }
  const diffX = Math.ceil((Math.max(...xs) - Math.min(...xs) - width) / 2);
  const diffY = Math.ceil((Math.max(...ys) - Math.min(...ys) - height) / 2);
  const padX = Math.max(diffX, 0);
  const padY = Math.max(diffY, 0);
  const unpadX = Math.max(-diffX, 0);
  const unpadY = Math.max(-diffY, 0);
  const gridWidth = width + 2 * padX;
  const gridHeight = height + 2 * padY;
  const cOut: [number, number] = [(gridWidth - 1) / 2, (gridHeight - 1) / 2];
  // ... then trims a shrunken result and crops a square of the input's height around floor(CRPIX1).
  const trimmedWidth = gridWidth - 2 * unpadX;
  const trimmedHeight = gridHeight - 2 * unpadY;
  const crpix1 = cOut[0] + 1 - unpadX;
  const crpix2 = cOut[1] + 1 - unpadY;
  const centre = Math.floor(crpix1);
  const lo = centre - height / 2;
  const hi = centre + height / 2 - 1;
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n);
  const bottom = clamp(Math.floor(lo + 0.5), trimmedHeight);
  const top = clamp(Math.ceil(hi - 0.5) + 1, trimmedHeight);
  const left = clamp(Math.floor(lo + 0.5), trimmedWidth);
  const right = clamp(Math.ceil(hi - 0.5) + 1, trimmedWidth);
  return {
    ...common,
    padX,
    padY,
    gridWidth,
    gridHeight,
    matrix: a,
    offset: affineOffset(a, [g.crpix1 - 1 + padX, g.crpix2 - 1 + padY], cOut),
    qOrigin: [left + unpadX, bottom + unpadY],
    outputWidth: right - left,
    outputHeight: top - bottom,
    crpix1: crpix1 - left,
    crpix2: crpix2 - bottom,
  };
}

/** offset = cIn − A·cOut, so that output centre cOut samples the Sun centre cIn. */
function affineOffset(a: Matrix2, cIn: [number, number], cOut: [number, number]): [number, number] {
  return [cIn[0] - (a[0] * cOut[0] + a[1] * cOut[1]), cIn[1] - (a[2] * cOut[0] + a[3] * cOut[1])];
}
