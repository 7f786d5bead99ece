import type { FitsHeader } from '../fits/index.js';
import { InputRejectedError } from './inputRejection.js';
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

const REQUIRED = ['CRPIX1', 'CRPIX2', 'CDELT1', 'CDELT2', 'RSUN_OBS'] as const;

export function readGeometry(header: FitsHeader): AiaGeometry {
  const missing = REQUIRED.filter((k) => header.number(k) === undefined);
  if (missing.length > 0) {
    throw new InputRejectedError(
      'missing-keyword',
      `header lacks the geometry keyword${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
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
