import type { FitsHeader } from '../fits/index.js';
import { checkGeometry } from './headerSanity.js';
import { rotationMatrix, type TanProjection } from '../../common/tanProjection.js';

export {
  helioprojectiveToPixel,
  invert,
  pixelToHelioprojective,
  rotationMatrix,
  type Matrix2,
} from '../../common/tanProjection.js';

/** An AIA image's WCS (the reference pixel is the Sun centre) and its observed solar radius. */
export interface AiaGeometry extends TanProjection {
  /** Observed solar radius, arcsec. */
  rsunObs: number;
}

/**
 * The geometry of an AIA header, after checkGeometry has refused values no AIA image can have (a zero
 * or huge plate scale, a non-positive radius, a roll that is not a number): those would make a wrong
 * product, not a failed one.
 */
export function readGeometry(header: FitsHeader): AiaGeometry {
  checkGeometry(header);
  return {
    crpix1: header.number('CRPIX1')!,
    crpix2: header.number('CRPIX2')!,
    cdelt1: header.number('CDELT1')!,
    cdelt2: header.number('CDELT2')!,
    crval1: header.number('CRVAL1') ?? 0,
    crval2: header.number('CRVAL2') ?? 0,
    rotation: rotationMatrix(header),
    rsunObs: header.number('RSUN_OBS')!,
  };
}
