import { astropyData, toFloat64, type FitsImage } from '../fits/index.js';
import type { PixelWriter } from '../register/registerToLevel15.js';
import type { RegisterMode } from '../register/registrationPlan.js';

/**
 * The image's physical values, written where they are needed (straight into the resampling grid)
 * rather than kept as one more full-size array. The default mode treats BLANK pixels as missing
 * (NaN); aiapy mode takes the pixels exactly as astropy gives them to aiapy (an unscaled integer
 * BLANK stays -32768), so results match aiapy. Values are divided by `exposure`. int16 samples also
 * say so (`scaled`), for a backend that lays them out itself.
 */
export function physicalPixels(image: FitsImage, mode: RegisterMode, exposure: number): PixelWriter {
  const { width, height } = image;
  const writer: PixelWriter = (target, offset, stride) => {
    const values = mode === 'aiapy' ? astropyData(image) : undefined;
    if (values === undefined || values instanceof BigInt64Array) {
      toFloat64(image, { blank: mode === 'aiapy' ? 'value' : 'nan' }, { target, offset, stride });
    } else {
      for (let y = 0; y < height; y++)
        target.set(values.subarray(y * width, (y + 1) * width), offset + y * stride);
    }
    if (exposure === 1) return;
    for (let y = 0; y < height; y++) {
      const at = offset + y * stride;
      for (let x = 0; x < width; x++) target[at + x] /= exposure;
    }
  };
  const { raw, bscale, bzero, blank } = image;
  // astropy scales int16 in float32 arithmetic unless BSCALE = 1 and BZERO = 0: aiapy mode then
  // needs the writer's astropyData.
  const unscaled = bscale === 1 && bzero === 0;
  if (raw instanceof Int16Array && (mode === 'default' || unscaled)) {
    const missing = mode === 'default' ? blank : undefined;
    writer.scaled = { raw, scale: bscale, zero: bzero, blank: missing, divisor: exposure };
  }
  return writer;
}
