/** From stored values to physical values: our own float64 conversion, and astropy's exact hdu.data rules. */
import { FitsFormatError } from './errors.js';
import type { FitsImage } from './read.js';

export type AstropyArray =
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/**
 * Where toFloat64 writes: row y of the image goes to target[offset + y·stride …] (a float32 target
 * takes the float64 values rounded).
 */
export interface Float64Layout<G extends Float32Array | Float64Array = Float64Array> {
  target: G;
  offset: number;
  stride: number;
}

/**
 * Physical values raw × BSCALE + BZERO in float64. With blank 'nan', integer pixels equal to BLANK become
 * NaN, and so do floating-point pixels equal to a float image's BLANK (floatBlank); with 'value' they
 * keep their scaled value. NaNs of floating-point images stay NaN either way.
 * By default into a new array; with `into`, straight into the caller's memory (e.g. a padded grid).
 */
export function toFloat64<G extends Float32Array | Float64Array = Float64Array>(
  image: FitsImage,
  options: { blank: 'nan' | 'value' },
  into: Float64Layout<G> = {
    target: new Float64Array(image.raw.length) as G,
    offset: 0,
    stride: image.width,
  },
): G {
  const { raw, bscale, bzero, width, height } = image;
  const { target, offset, stride } = into;
  const blank = options.blank !== 'nan' ? undefined : image.bitpix > 0 ? image.blank : image.floatBlank;
  const wideBlank = blank === undefined ? undefined : BigInt(blank);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * width, (y + 1) * width);
    const at = offset + y * stride;
    if (row instanceof BigInt64Array) {
      for (let x = 0; x < width; x++)
        target[at + x] = row[x] === wideBlank ? NaN : Number(row[x]) * bscale + bzero;
      continue;
    }
    if (bscale === 1 && bzero === 0) target.set(row, at);
    else for (let x = 0; x < width; x++) target[at + x] = row[x] * bscale + bzero;
    if (blank !== undefined) for (let x = 0; x < width; x++) if (row[x] === blank) target[at + x] = NaN;
  }
  return target;
}

/** Pseudo-unsigned integers: BSCALE 1 and BZERO 2^(BITPIX-1) read as unsigned (astropy's uint=True default). */
function unsignedView(image: FitsImage): Uint16Array | Uint32Array | undefined {
  const { raw, bitpix, bscale, bzero } = image;
  if (bscale !== 1) return undefined;
  if (bitpix === 16 && bzero === 32768) return Uint16Array.from(raw as Int16Array, (v) => v + 32768);
  if (bitpix === 32 && bzero === 2147483648)
    return Uint32Array.from(raw as Int32Array, (v) => v + 2147483648);
  if (bitpix === 64 && bzero === 2 ** 63) throw notRepresentable('uint64 (BITPIX 64 with BZERO 2^63)');
  return undefined;
}

/** astropy dtypes outside AstropyArray (never used by AIA data). */
function notRepresentable(dtype: string): FitsFormatError {
  return new FitsFormatError(
    'unsupported',
    `astropy would give ${dtype} data here, which astropyData does not represent; use toFloat64`,
  );
}

/** raw × bscale + bzero in the dtype astropy computes in (float32 arithmetic for float32 results). */
function scaled(image: FitsImage, float32: boolean): Float32Array | Float64Array {
  const { raw, bscale, bzero } = image;
  const n = raw.length;
  const src: ArrayLike<number> = raw instanceof BigInt64Array ? Float64Array.from(raw, Number) : raw;
  if (float32) {
    const out = new Float32Array(n);
    out.set(src);
    const s = Math.fround(bscale);
    const z = Math.fround(bzero);
    if (bscale !== 1) for (let i = 0; i < n; i++) out[i] = out[i] * s;
    if (bzero !== 0) for (let i = 0; i < n; i++) out[i] = out[i] + z;
    return out;
  }
  const out = new Float64Array(n);
  out.set(src);
  if (bscale !== 1) for (let i = 0; i < n; i++) out[i] = out[i] * bscale;
  if (bzero !== 0) for (let i = 0; i < n; i++) out[i] = out[i] + bzero;
  return out;
}

function setBlanksToNaN(out: Float32Array | Float64Array, matches: (i: number) => boolean): void {
  for (let i = 0; i < out.length; i++) if (matches(i)) out[i] = NaN;
}

/** The float dtype astropy scales integers into: float32 up to 16 bits, float64 beyond; floats keep theirs. */
function scalesToFloat32(image: FitsImage): boolean {
  return image.bitpix > 0 ? image.bitpix <= 16 : image.bitpix === -32;
}

/**
 * Exactly the dtype and values astropy's `hdu.data` gives for this image (astropy 5.x, uint=True):
 * unscaled data as stored (BLANK untouched for compressed HDUs; uncompressed integer images with a non-zero
 * BLANK become float32/64 with NaN), pseudo-unsigned integers as Uint16/32/BigUint64, BSCALE/BZERO scaling
 * in float32 for BITPIX 8/16 and float64 for 32/64 with BLANK -> NaN.
 */
export function astropyData(image: FitsImage): AstropyArray {
  return image.compression ? compressedData(image) : imageData(image);
}

function imageData(image: FitsImage): AstropyArray {
  const { raw, bitpix, bscale, bzero } = image;
  const blank = bitpix > 0 ? image.blank : undefined;
  const unscaled = bscale === 1 && bzero === 0;
  if (unscaled && blank === undefined) return raw;
  if (!unscaled) {
    const unsigned = unsignedView(image);
    if (unsigned) return unsigned;
    if (bitpix === 8 && bscale === 1 && bzero === -128)
      throw notRepresentable('int8 (BITPIX 8 with BZERO -128)');
  }
  const out = scaled(image, scalesToFloat32(image));
  if (blank) {
    const ints = raw as ArrayLike<number | bigint>;
    const b = raw instanceof BigInt64Array ? BigInt(blank) : blank;
    setBlanksToNaN(out, (i) => ints[i] === b);
  }
  return out;
}

function compressedData(image: FitsImage): AstropyArray {
  const { raw, bscale, bzero } = image;
  if (bscale === 1 && bzero === 0) return raw;
  const blank = image.blank;
  const unsigned = unsignedView(image);
  if (unsigned) {
    if (blank === undefined) return unsigned;
    // astropy compares the unsigned cast of the stored value with ZBLANK, then np.where makes float64.
    const bits = image.bitpix;
    const out = Float64Array.from(unsigned);
    const stored = raw as ArrayLike<number | bigint>;
    const modulus = 2 ** bits;
    setBlanksToNaN(out, (i) => {
      const v = Number(stored[i]);
      return (v < 0 ? v + modulus : v) === blank;
    });
    return out;
  }
  const out = scaled(image, scalesToFloat32(image));
  if (blank !== undefined) {
    const stored = raw as ArrayLike<number | bigint>;
    setBlanksToNaN(out, (i) => Number(stored[i]) === blank);
  }
  return out;
}
