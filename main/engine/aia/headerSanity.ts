import type { FitsHeader } from '../fits/index.js';
import { InputRejectedError } from './inputRejection.js';
import { rotationMatrix } from '../../common/tanProjection.js';

/** The AIA channels (Å). EUV ones have a PSF model; UV/visible ones do not. */
export const EUV_CHANNELS = [94, 131, 171, 193, 211, 304, 335] as const;
export const AIA_CHANNELS = [...EUV_CHANNELS, 1600, 1700, 4500] as const;

/**
 * The geometry and calibration a real AIA level 1 frame can have. Outside these ranges the header is
 * damaged and a product made from it would be wrong (a NaN image, a zero plate scale, a wrong disc),
 * so the file is refused; inside them but odd, the job carries a warning.
 */
export const AIA_RANGES = {
  /** arcsec/px: 0.6″ at full resolution (0.5987–0.6096 measured), binned up to 64× (a 64² image). */
  CDELT: [0.55, 0.62 * 64],
  /**
   * arcsec: the Sun's radius seen from SDO, asin(RSUN_REF / DSUN_OBS), between aphelion + SDO's orbit
   * (943.6″) and perihelion − SDO's orbit (976.3″), with a margin.
   */
  RSUN_OBS: [940, 980],
  /** m: Sun–SDO distance, perihelion − 42 000 km to aphelion + 42 000 km, with a margin. */
  DSUN_OBS: [1.46e11, 1.53e11],
  /** degrees: the roll is ~0.01–0.3°; a ±180° roll manoeuvre is the most there is. */
  CROTA2: [-360, 360],
  /** pixels from the array: the Sun centre of a cut-out can lie far outside it, but not this far. */
  CRPIX: [-1e5, 1e5],
  /** s: AIA exposures are up to a few seconds; 0 or less only in darks. */
  EXPTIME: [0, 100],
} as const;

/** No AIA image has more pixels than the CCD: larger ones are refused before they are decoded. */
export const AIA_FRAME_PIXELS = 4096 * 4096;

/** The square pixels of AIA: CDELT1 and CDELT2 differ by less than this fraction. */
const SQUARE_TOLERANCE = 0.01;
/** A rotation matrix whose determinant is this far from 1 is not a rotation of square pixels. */
const ROTATION_TOLERANCE = 0.05;
/** Roll beyond this (degrees) is usable but odd: a roll manoeuvre or a damaged keyword. */
const USUAL_ROLL = 5;
/** CRVAL beyond this (arcsec) means the reference pixel is not the Sun centre, as AIA level 1 has it. */
const USUAL_CRVAL = 60;

function rejected(message: string): InputRejectedError {
  return new InputRejectedError('implausible-keyword', message);
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** The keyword's value when it is a finite number; absent → undefined; anything else is refused. */
function finiteOrAbsent(header: FitsHeader, key: string): number | undefined {
  if (!header.has(key)) return undefined;
  const value = header.get(key);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw rejected(`${key} = ${show(value)} is not a finite number`);
  }
  return value;
}

function inRange(header: FitsHeader, key: string, [lo, hi]: readonly [number, number], unit: string): number {
  const value = finiteOrAbsent(header, key);
  if (value === undefined) throw new InputRejectedError('missing-keyword', `header lacks ${key}`);
  if (!(value >= lo && value <= hi)) {
    throw rejected(`${key} = ${value} is outside the range an AIA image can have (${lo} to ${hi} ${unit})`);
  }
  return value;
}

/** WAVELNTH as one of AIA's channels, or a rejection naming the value and the channels there are. */
export function aiaChannel(header: FitsHeader): number {
  const value = header.get('WAVELNTH');
  const channel = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : NaN;
  if (!(AIA_CHANNELS as readonly number[]).includes(channel) || Math.abs(channel - (value as number)) > 0.5) {
    throw rejected(
      value === undefined
        ? `header lacks WAVELNTH (the channel: one of ${AIA_CHANNELS.join(', ')} Å)`
        : `WAVELNTH = ${show(value)} is not an AIA channel (${AIA_CHANNELS.join(', ')} Å)`,
    );
  }
  return channel;
}

/**
 * Checks the header a product will be made from: refuses (InputRejectedError) what would make a wrong
 * product and returns warnings for what is odd but usable. EXPTIME only matters when the image is
 * divided by it (`normalizeExposure`): then a missing or non-positive one is refused.
 */
export function checkHeaderSanity(header: FitsHeader, options: { normalizeExposure: boolean }): string[] {
  aiaChannel(header);
  const warnings = checkGeometry(header);
  if (header.has('DSUN_OBS')) inRange(header, 'DSUN_OBS', AIA_RANGES.DSUN_OBS, 'm');
  else warnings.push('header lacks DSUN_OBS (the Sun–SDO distance): the product cannot give one either');
  checkExposure(header, options.normalizeExposure, warnings);
  return warnings;
}

/**
 * The WCS and solar radius an AIA image can have (readGeometry's check): plate scale, Sun centre,
 * roll and radius. Throws for what would make a wrong product; returns warnings for what is odd.
 */
export function checkGeometry(header: FitsHeader): string[] {
  const warnings: string[] = [];
  const cdelt1 = inRange(header, 'CDELT1', AIA_RANGES.CDELT, 'arcsec/px');
  const cdelt2 = inRange(header, 'CDELT2', AIA_RANGES.CDELT, 'arcsec/px');
  if (Math.abs(cdelt2 / cdelt1 - 1) > SQUARE_TOLERANCE) {
    throw rejected(`CDELT1 = ${cdelt1} and CDELT2 = ${cdelt2} differ: AIA pixels are square`);
  }
  inRange(header, 'CRPIX1', AIA_RANGES.CRPIX, 'px');
  inRange(header, 'CRPIX2', AIA_RANGES.CRPIX, 'px');
  inRange(header, 'RSUN_OBS', AIA_RANGES.RSUN_OBS, 'arcsec');
  checkRotation(header, warnings);
  for (const key of ['CRVAL1', 'CRVAL2']) {
    const crval = finiteOrAbsent(header, key);
    if (crval !== undefined && Math.abs(crval) > USUAL_CRVAL) {
      warnings.push(`${key} = ${crval}″: the reference pixel is not the Sun centre, as it is in AIA level 1`);
    }
  }
  return warnings;
}

function checkRotation(header: FitsHeader, warnings: string[]): void {
  const matrixKeys = ['PC1_1', 'PC1_2', 'PC2_1', 'PC2_2', 'CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'];
  for (const key of matrixKeys) finiteOrAbsent(header, key);
  const roll = header.has('CROTA2') ? inRange(header, 'CROTA2', AIA_RANGES.CROTA2, 'degrees') : 0;
  if (Math.abs(roll) > USUAL_ROLL && Math.abs(Math.abs(roll) - 180) > USUAL_ROLL) {
    warnings.push(`CROTA2 = ${roll}°: an unusual roll for AIA (normally ~0.01–0.3°)`);
  }
  const r = rotationMatrix(header);
  const det = r[0] * r[3] - r[1] * r[2];
  if (!r.every(Number.isFinite) || !(Math.abs(det - 1) <= ROTATION_TOLERANCE)) {
    const which = matrixKeys.some((k) => header.has(k)) ? 'PCi_j/CDi_j' : 'CROTA2';
    throw rejected(
      `the ${which} keywords make [${r.map((v) => v.toPrecision(6)).join(', ')}], not a rotation ` +
        `(determinant ${det.toPrecision(6)}, must be 1 ± ${ROTATION_TOLERANCE})`,
    );
  }
}

function checkExposure(header: FitsHeader, normalizeExposure: boolean, warnings: string[]): void {
  const value = header.get('EXPTIME');
  const [lo, hi] = AIA_RANGES.EXPTIME;
  const usable = typeof value === 'number' && value > lo && value <= hi;
  if (usable) return;
  const what =
    value === undefined
      ? 'header lacks EXPTIME'
      : `EXPTIME = ${show(value)} is not an exposure time (more than ${lo} and at most ${hi} s)`;
  if (normalizeExposure) throw rejected(`cannot normalise by exposure: ${what}`);
  warnings.push(`${what}: the image is in DN as stored, and cannot be normalised by exposure`);
}
