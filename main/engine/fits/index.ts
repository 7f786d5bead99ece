export { FitsHeader, type HeaderCard, type HeaderValue } from './header.js';
export { FitsFormatError, type FitsErrorReason } from './errors.js';
export type { Bitpix } from './pixels.js';
export type { FitsImage } from './read.js';
export type { CompressionInfo, CompressionType } from './tiledImage.js';
export type { QuantizeMethod } from './quantize.js';
export { readFitsHeaders, readFitsImage, readFitsImageFile } from './read.js';
export { toFloat64, astropyData, type AstropyArray, type Float64Layout } from './scaling.js';
export { encodeFits, encodeFitsInPlace, type WriteImage, type OutputFormat } from './write.js';
