export { FitsHeader, type HeaderCard, type HeaderValue } from './header.js';
export { FitsFormatError, type FitsErrorReason } from './errors.js';
export type { Bitpix, RawPixels } from './pixels.js';
export type { FitsImage, FitsImageInfo } from './read.js';
export type { CompressionInfo, CompressionType } from './tiledImage.js';
export type { QuantizeMethod } from './quantize.js';
export {
  readFitsHeaders,
  readFitsImage,
  readFitsImageFile,
  readFitsImageInfo,
  type LocateOptions,
} from './read.js';
export { readFitsStructure } from './headerOnly.js';
export { readInputFile } from './inputFile.js';
export { MAX_FILE_BYTES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from './sizeLimits.js';
export { toFloat64, astropyData, type AstropyArray, type Float64Layout } from './scaling.js';
export { encodeFits, encodeFitsInPlace, type WriteImage, type OutputFormat } from './write.js';
export { decodeFitsImage, type DecodeOptions } from './parallelDecode.js';
export { closeTileDecodePool, tileDecodePool } from './tileDecodePool.js';
