/** Reading FITS files: headers of every HDU, and one 2-D image with its stored pixel values. */
import { requireDataSum } from './checksum.js';
import { imageHeaderFromTable } from './compressedHeader.js';
import { FitsFormatError } from './errors.js';
import type { FitsHeader } from './header.js';
import { iterateHdus, type HduLayout } from './hduLayout.js';
import { readInputFile } from './inputFile.js';
import { decodeBigEndian, type Bitpix, type RawPixels } from './pixels.js';
import { requireImageSize } from './sizeLimits.js';
import {
  decodeTiledImage,
  describeTiledImage,
  isTiledImage,
  planTiledImage,
  type CompressionInfo,
  type DecodedTiledImage,
} from './tiledImage.js';

export interface FitsImage {
  hduIndex: number;
  /** The image header; for tile-compressed HDUs the image header as astropy's CompImageHDU.header shows it. */
  header: FitsHeader;
  /** NAXIS1: x, the fastest-varying axis. */
  width: number;
  /** NAXIS2. */
  height: number;
  /** BITPIX of the image (ZBITPIX for compressed HDUs). */
  bitpix: Bitpix;
  /** Stored values, row-major with x fastest, before BSCALE/BZERO; restored floats for quantized tiles. */
  raw: RawPixels;
  bscale: number;
  bzero: number;
  /** BLANK (ZBLANK for compressed) of an integer image; undefined for floating-point images. */
  blank?: number;
  /**
   * BLANK of a floating-point image: not standard FITS (astropy ignores it), but resampled AIA files
   * fill where there is no data with it (-32768), so toFloat64's 'nan' treats those pixels as missing.
   */
  floatBlank?: number;
  compression?: CompressionInfo;
}

type HduKind = 'image' | 'tiled' | 'table' | 'empty' | 'other';

function hduKind(layout: HduLayout): HduKind {
  const h = layout.header;
  if (isTiledImage(h)) return 'tiled';
  const xtension = h.string('XTENSION')?.trim();
  const naxis = h.number('NAXIS') ?? 0;
  if (layout.index === 0 || xtension === 'IMAGE') {
    if (naxis === 0) return 'empty';
    if (layout.index === 0 && h.get('GROUPS') === true) return 'other';
    return 'image';
  }
  if (xtension === 'BINTABLE' || xtension === 'TABLE') return 'table';
  return 'other';
}

function describe(layout: HduLayout): string {
  const h = layout.header;
  switch (hduKind(layout)) {
    case 'empty':
      return `HDU ${layout.index} has no data (NAXIS = 0)`;
    case 'table':
      return `HDU ${layout.index} is a ${h.string('XTENSION')?.trim()} table, not an image`;
    case 'other':
      return `HDU ${layout.index} is a ${h.string('XTENSION')?.trim() ?? 'random-groups'} extension, not an image`;
    default:
      return `HDU ${layout.index} is an image`;
  }
}

/** The image header of an HDU: as stored, or rebuilt from the BINTABLE header of a compressed image. */
function imageHeader(layout: HduLayout): FitsHeader {
  return isTiledImage(layout.header) ? imageHeaderFromTable(layout.header) : layout.header;
}

/** NAXISn of an image header, accepted when the image is 2-D (trailing axes of length 1 allowed). */
function planeSize(header: FitsHeader, hduIndex: number): [number, number] | undefined {
  const naxis = header.number('NAXIS') ?? 0;
  if (naxis < 2) return undefined;
  const dims: number[] = [];
  for (let k = 1; k <= naxis; k++) dims.push(header.number(`NAXIS${k}`) ?? 0);
  if (dims.slice(2).some((n) => n !== 1)) {
    throw new FitsFormatError(
      'unsupported',
      `HDU ${hduIndex} holds a ${naxis}-D array (${dims.join('×')}); only 2-D images are supported`,
    );
  }
  return [dims[0], dims[1]];
}

/** Every HDU's header (the image header for compressed images); no pixels are decoded. */
export function readFitsHeaders(bytes: Uint8Array): FitsHeader[] {
  return [...iterateHdus(bytes)].map(imageHeader);
}

/** The HDU readFitsImage decodes, with its image header and size. */
export interface ImageLocation {
  layout: HduLayout;
  header: FitsHeader;
  kind: 'image' | 'tiled';
  size: [number, number];
}

export interface LocateOptions {
  /** The HDU to read; default the first 2-D image. */
  hdu?: number;
  /** Refuse a larger image before anything is allocated (at most MAX_IMAGE_PIXELS, the default). */
  maxPixels?: number;
}

/**
 * Finds the image HDU (the first 2-D image, or `hdu`), with readFitsImage's errors when there is none,
 * and refuses an image larger than the size limits from its declared size alone.
 */
export function locateImage(bytes: Uint8Array, options: LocateOptions = {}): ImageLocation {
  const seen: HduLayout[] = [];
  for (const layout of iterateHdus(bytes)) {
    seen.push(layout);
    if (options.hdu !== undefined && layout.index !== options.hdu) continue;
    const kind = hduKind(layout);
    if (kind === 'image' || kind === 'tiled') {
      const header = imageHeader(layout);
      const size = planeSize(header, layout.index);
      if (size) {
        const bitpix = header.number('BITPIX') ?? 8;
        requireImageSize(size[0], size[1], Math.abs(bitpix) / 8, layout.index, options.maxPixels);
        return { layout, header, kind, size };
      }
      if (options.hdu !== undefined) {
        throw new FitsFormatError('no-image', `HDU ${layout.index} holds a 1-D array, not a 2-D image`);
      }
    } else if (options.hdu !== undefined) {
      throw new FitsFormatError('no-image', describe(layout));
    }
  }
  if (options.hdu !== undefined) {
    throw new FitsFormatError(
      'no-image',
      `HDU ${options.hdu} does not exist: the file has ${seen.length} HDUs (0–${seen.length - 1})`,
    );
  }
  if (seen.length === 1 && seen[0].header.get('EXTEND') === true && hduKind(seen[0]) === 'empty') {
    // JSOC's files keep the image in the first extension: a download cut after the primary HDU looks like this
    throw new FitsFormatError(
      'truncated',
      'file is truncated: it ends after its empty primary HDU, whose EXTEND = T announces the extension ' +
        'that should hold the image',
    );
  }
  throw new FitsFormatError('no-image', `no 2-D image in this file: ${seen.map(describe).join('; ')}`);
}

export function readFitsImage(bytes: Uint8Array, options: LocateOptions = {}): FitsImage {
  return decodeImage(bytes, locateImage(bytes, options));
}

export async function readFitsImageFile(path: string, options: LocateOptions = {}): Promise<FitsImage> {
  return readFitsImage(await readInputFile(path), options);
}

/** What a FitsImage says of its image, without the pixels. */
export type FitsImageInfo = Omit<FitsImage, 'raw'>;

/**
 * readFitsImage's header, size, type, scaling and compression of the image HDU, with its errors for a
 * file without one, and no pixel decoded: what a header-only look (`info`) needs, in milliseconds.
 */
export function readFitsImageInfo(bytes: Uint8Array, options: { hdu?: number } = {}): FitsImageInfo {
  const location = locateImage(bytes, options);
  const { layout, header } = location;
  if (location.kind === 'tiled') {
    const tiled = describeTiledImage(planTiledImage(bytes, layout), layout.header);
    return imageInfo(location, tiled, tiledBlank(location, tiled), tiled.compression);
  }
  const [width, height] = location.size;
  const bitpix = header.number('BITPIX') as Bitpix;
  return imageInfo(location, { width, height, bitpix }, bitpix > 0 ? header.number('BLANK') : undefined);
}

/** The FitsImage of a tile-compressed HDU, from its decoded tiles. */
export function tiledFitsImage(location: ImageLocation, tiled: DecodedTiledImage): FitsImage {
  return { ...imageInfo(location, tiled, tiledBlank(location, tiled), tiled.compression), raw: tiled.raw };
}

/**
 * Decodes the image readFitsImage found, on this thread. A damaged tile is named by the decoder; data
 * that decode but fail their DATASUM are refused after it (requireDataSum).
 */
export function decodeImage(bytes: Uint8Array, location: ImageLocation): FitsImage {
  const { layout, header, kind } = location;
  if (kind === 'tiled') {
    const tiled = decodeTiledImage(bytes, layout);
    requireDataSum(bytes, layout);
    return tiledFitsImage(location, tiled);
  }
  requireDataSum(bytes, layout);
  const [width, height] = location.size;
  const bitpix = header.number('BITPIX') as Bitpix;
  const raw = decodeBigEndian(bytes, layout.dataStart, width * height, bitpix);
  const blank = bitpix > 0 ? header.number('BLANK') : undefined;
  return { ...imageInfo(location, { width, height, bitpix }, blank), raw };
}

function tiledBlank(location: ImageLocation, tiled: Omit<DecodedTiledImage, 'raw'>): number | undefined {
  return tiled.bitpix > 0 ? (tiled.zblank ?? location.header.number('BLANK')) : undefined;
}

function floatBlank(header: FitsHeader, bitpix: Bitpix): Pick<FitsImage, 'floatBlank'> {
  const value = bitpix < 0 ? header.number('BLANK') : undefined;
  return value !== undefined ? { floatBlank: value } : {};
}

function imageInfo(
  { layout, header }: ImageLocation,
  pixels: Pick<FitsImage, 'width' | 'height' | 'bitpix'>,
  blank: number | undefined,
  compression?: CompressionInfo,
): FitsImageInfo {
  return {
    hduIndex: layout.index,
    header,
    width: pixels.width,
    height: pixels.height,
    bitpix: pixels.bitpix,
    bscale: header.number('BSCALE') ?? 1,
    bzero: header.number('BZERO') ?? 0,
    ...(blank !== undefined ? { blank } : {}),
    ...floatBlank(header, pixels.bitpix),
    ...(compression ? { compression } : {}),
  };
}
