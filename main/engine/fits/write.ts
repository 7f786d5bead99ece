/**
 * Writing one 2-D image as FITS: uncompressed float32 / float64 / int16 primary HDUs, or an empty primary
 * HDU followed by a RICE_1 tile-compressed image (one row per tile, as JSOC serves AIA data). Every HDU
 * carries CHECKSUM and DATASUM.
 */
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import { addSums, encodeChecksum, onesComplementSum, onesComplementSumOfWords } from './checksum.js';
import { isCompressionKeyword } from './compressedHeader.js';
import { FitsHeader, type HeaderCard } from './header.js';
import { BLOCK, serializeHeader } from './headerUnit.js';
import { encodeBigEndian, toBigEndianInPlace, writeBigEndian, type RawPixels } from './pixels.js';
import { NULL_VALUE, quantizeTile } from './quantize.js';
import { riceEncode } from './rice.js';
import { concatBytes } from '../../common/concatBytes.js';

export interface WriteImage {
  /** Metadata to keep; structural, scaling, checksum and compression keywords are replaced by the writer's. */
  header: FitsHeader;
  width: number;
  height: number;
  /** Physical pixel values, row-major with x fastest. */
  data: Float32Array | Float64Array | Int16Array;
}

/**
 * 'float32' / 'float64': BITPIX -32 / -64. 'int16': BITPIX 16; floats are rounded half away from zero and
 * clamped to ±32767, NaN becomes BLANK = -32768. 'rice': int16 data losslessly (BYTEPIX 2), float data
 * quantized with SUBTRACTIVE_DITHER_2 (ZSCALE = noise / quantizeLevel per row tile, default level 16).
 */
export type OutputFormat = 'float32' | 'float64' | 'int16' | 'rice';

const INT16_BLANK = -32768;
const RICE_BLOCK_SIZE = 32;
const DEFAULT_QUANTIZE_LEVEL = 16;

const WRITER_KEYWORDS = new Set([
  'SIMPLE',
  'XTENSION',
  'BITPIX',
  'NAXIS',
  'EXTEND',
  'PCOUNT',
  'GCOUNT',
  'GROUPS',
  'BSCALE',
  'BZERO',
  'BLANK',
  'CHECKSUM',
  'DATASUM',
  'THEAP',
  'END',
  'ZBLANK',
  'ZSCALE',
  'ZZERO',
  'ZDITHER0',
]);

/** The caller's cards minus everything the writer decides itself. */
function metadataCards(header: FitsHeader): HeaderCard[] {
  return header.cards
    .filter((c) => {
      if (WRITER_KEYWORDS.has(c.key) || /^NAXIS[0-9]+$/.test(c.key) || isCompressionKeyword(c.key))
        return false;
      return !(c.key === 'EXTNAME' && typeof c.value === 'string' && c.value.trim() === 'COMPRESSED_IMAGE');
    })
    .map((c) => ({ ...c }));
}

const card = (key: string, value: HeaderCard['value'], comment?: string): HeaderCard =>
  comment === undefined ? { key, value } : { key, value, comment };

/**
 * Header bytes + data bytes of one HDU with CHECKSUM/DATASUM filled in. The data are written straight
 * into the output buffer: a 4096² image is not copied again on its way out.
 */
function assembleHdu(cards: HeaderCard[], data: RawPixels | Uint8Array): Uint8Array {
  // Every card is 80 characters whatever its value, so the header's length is known before its sums.
  const headerLength = checksummedHeader(cards, 0).length;
  const out = new Uint8Array(headerLength + paddedLength(data.byteLength));
  const dataUnit = out.subarray(headerLength);
  if (data instanceof Uint8Array) dataUnit.set(data);
  else writeBigEndian(data, dataUnit);
  const dataSum = hasWholeWords(data) ? onesComplementSumOfWords(data) : onesComplementSum(dataUnit);
  const header = checksummedHeader(cards, dataSum);
  if (header.length !== headerLength) throw new Error('FITS header length changed while checksumming');
  out.set(header);
  return out;
}

/** The cards plus DATASUM and the CHECKSUM that makes the HDU sum to −0, serialised. */
function checksummedHeader(cards: HeaderCard[], dataSum: number): Uint8Array {
  const header = new FitsHeader([
    ...cards,
    card('CHECKSUM', '0000000000000000', 'HDU checksum'),
    card('DATASUM', String(dataSum), 'data unit checksum'),
  ]);
  header.set('CHECKSUM', encodeChecksum(addSums(onesComplementSum(serializeHeader(header)), dataSum)));
  return serializeHeader(header);
}

const paddedLength = (bytes: number): number => Math.ceil(bytes / BLOCK) * BLOCK;

/** Samples whose big-endian 32-bit words are their own native words (see onesComplementSumOfWords). */
function hasWholeWords(data: RawPixels | Uint8Array): data is Float32Array | Float64Array | Int32Array {
  return data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array;
}

/**
 * An uncompressed float32/float64 FITS file as its parts (header, data unit, padding), without
 * copying the samples: they are byte-swapped in place into the big-endian data unit, so the caller's
 * array holds big-endian bytes afterwards and must not be read as numbers again. For a pipeline's
 * last use of a result: it spares a copy of the whole image (64 MB at 4096² float32). `wordSum`, the
 * samples' word sum where a pass over these very samples made it (ImageStatistics.wordSum), spares
 * another read of them.
 */
export function encodeFitsInPlace(
  image: WriteImage & { data: Float32Array | Float64Array },
  format: 'float32' | 'float64',
  wordSum?: number,
): Uint8Array[] {
  const { width, height, data } = image;
  const bitpix = format === 'float32' ? -32 : -64;
  if (data.BYTES_PER_ELEMENT * 8 !== -bitpix)
    throw new RangeError(`${format} output needs ${format} samples`);
  checkSize(image);
  const cards = [...primaryCards(bitpix, width, height, false), ...metadataCards(image.header)];
  const header = checksummedHeader(cards, wordSum ?? onesComplementSumOfWords(data));
  const dataUnit = toBigEndianInPlace(data);
  return [header, dataUnit, new Uint8Array(paddedLength(dataUnit.length) - dataUnit.length)];
}

function primaryCards(bitpix: number, width: number, height: number, extend: boolean): HeaderCard[] {
  const cards = [
    card('SIMPLE', true, 'conforms to FITS standard'),
    card('BITPIX', bitpix, 'array data type'),
    card('NAXIS', width > 0 ? 2 : 0, 'number of array dimensions'),
  ];
  if (width > 0) cards.push(card('NAXIS1', width), card('NAXIS2', height));
  if (extend) cards.push(card('EXTEND', true));
  return cards;
}

/** Rounds half away from zero into [-32767, 32767]; NaN becomes the BLANK value -32768. */
export function toInt16(data: Float32Array | Float64Array | Int16Array): Int16Array {
  if (data instanceof Int16Array) return data;
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) out[i] = INT16_BLANK;
    else {
      const r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(-v + 0.5);
      out[i] = r > 32767 ? 32767 : r < -32767 ? -32767 : r;
    }
  }
  return out;
}

function hasBlank(values: Int16Array): boolean {
  return values.includes(INT16_BLANK);
}

function blankCards(values: Int16Array): HeaderCard[] {
  return hasBlank(values) ? [card('BLANK', INT16_BLANK, 'value of missing pixels')] : [];
}

export function encodeFits(
  image: WriteImage,
  options: { format: OutputFormat; quantizeLevel?: number },
): Uint8Array {
  const { width, height, data } = image;
  checkSize(image);
  const meta = metadataCards(image.header);
  switch (options.format) {
    case 'float32':
      return assembleHdu(
        [...primaryCards(-32, width, height, false), ...meta],
        data instanceof Float32Array ? data : Float32Array.from(data),
      );
    case 'float64':
      return assembleHdu(
        [...primaryCards(-64, width, height, false), ...meta],
        data instanceof Float64Array ? data : Float64Array.from(data),
      );
    case 'int16': {
      const values = toInt16(data);
      return assembleHdu([...primaryCards(16, width, height, false), ...blankCards(values), ...meta], values);
    }
    case 'rice': {
      const level = options.quantizeLevel ?? DEFAULT_QUANTIZE_LEVEL;
      if (!(level > 0) || !Number.isFinite(level))
        throw new RangeError(`quantizeLevel must be a positive number, got ${level}`);
      const primary = assembleHdu(primaryCards(8, 0, 0, true), new Uint8Array(0));
      const compressed =
        data instanceof Int16Array
          ? riceInt16Hdu(data, width, height, meta)
          : riceFloatHdu(data, width, height, level, meta);
      return concatBytes([primary, compressed]);
    }
    default:
      throw new RangeError(`unknown output format ${JSON.stringify(options.format)}`);
  }
}

function checkSize({ width, height, data }: WriteImage): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size ${width}×${height} is not a positive integer size`);
  }
  if (data.length !== width * height) {
    throw new RangeError(
      `image data holds ${data.length} values but ${width}×${height} = ${width * height} are needed`,
    );
  }
}

interface TileColumns {
  /** Per tile: bytes for each variable-length column, values for each scalar column. */
  arrays: Uint8Array[][];
  scalars: number[][];
}

/** A BINTABLE of P descriptors (bytes in the heap) followed by float64 scalars, and its heap. */
function tileTable(
  columns: TileColumns,
  rows: number,
): { data: Uint8Array; rowLength: number; heapSize: number; maxLengths: number[] } {
  const nArrays = columns.arrays.length;
  const nScalars = columns.scalars.length;
  const rowLength = nArrays * 8 + nScalars * 8;
  const maxLengths = columns.arrays.map((col) => col.reduce((m, a) => Math.max(m, a.length), 0));
  const heapSize = columns.arrays.reduce((n, col) => n + col.reduce((m, a) => m + a.length, 0), 0);
  const data = new Uint8Array(rowLength * rows + heapSize);
  const view = new DataView(data.buffer);
  let heapOffset = 0;
  const heapStart = rowLength * rows;
  for (let r = 0; r < rows; r++) {
    let at = r * rowLength;
    for (const col of columns.arrays) {
      const bytes = col[r];
      view.setUint32(at, bytes.length);
      view.setUint32(at + 4, bytes.length > 0 ? heapOffset : 0);
      data.set(bytes, heapStart + heapOffset);
      heapOffset += bytes.length;
      at += 8;
    }
    for (const col of columns.scalars) {
      view.setFloat64(at, col[r]);
      at += 8;
    }
  }
  return { data, rowLength, heapSize, maxLengths };
}

function tableHeader(
  rowLength: number,
  rows: number,
  heapSize: number,
  columns: { name: string; form: string }[],
): HeaderCard[] {
  const cards = [
    card('XTENSION', 'BINTABLE', 'binary table extension'),
    card('BITPIX', 8, 'array data type'),
    card('NAXIS', 2, 'number of array dimensions'),
    card('NAXIS1', rowLength, 'width of table in bytes'),
    card('NAXIS2', rows, 'number of rows in table'),
    card('PCOUNT', heapSize, 'size of the heap'),
    card('GCOUNT', 1, 'number of groups'),
    card('TFIELDS', columns.length, 'number of fields in each row'),
  ];
  columns.forEach((c, k) => cards.push(card(`TTYPE${k + 1}`, c.name), card(`TFORM${k + 1}`, c.form)));
  return cards;
}

function imageKeywords(zbitpix: number, width: number, height: number, bytePix: number): HeaderCard[] {
  return [
    card('ZIMAGE', true, 'extension contains compressed image'),
    card('ZTENSION', 'IMAGE', 'image extension'),
    card('ZBITPIX', zbitpix, 'data type of original image'),
    card('ZNAXIS', 2, 'dimension of original image'),
    card('ZNAXIS1', width, 'length of original image axis'),
    card('ZNAXIS2', height, 'length of original image axis'),
    card('ZPCOUNT', 0, 'number of parameters'),
    card('ZGCOUNT', 1, 'number of groups'),
    card('ZTILE1', width, 'size of tiles to be compressed'),
    card('ZTILE2', 1, 'size of tiles to be compressed'),
    card('ZCMPTYPE', 'RICE_1', 'compression algorithm'),
    card('ZNAME1', 'BLOCKSIZE', 'compression block size'),
    card('ZVAL1', RICE_BLOCK_SIZE, 'pixels per block'),
    card('ZNAME2', 'BYTEPIX', 'bytes per pixel (1, 2, 4, or 8)'),
    card('ZVAL2', bytePix, 'bytes per pixel (1, 2, 4, or 8)'),
  ];
}

function riceInt16Hdu(data: Int16Array, width: number, height: number, meta: HeaderCard[]): Uint8Array {
  const tiles: Uint8Array[] = [];
  for (let y = 0; y < height; y++)
    tiles.push(riceEncode(data.subarray(y * width, (y + 1) * width), RICE_BLOCK_SIZE));
  const table = tileTable({ arrays: [tiles], scalars: [] }, height);
  const cards = [
    ...tableHeader(table.rowLength, height, table.heapSize, [
      { name: 'COMPRESSED_DATA', form: `1PB(${table.maxLengths[0]})` },
    ]),
    ...imageKeywords(16, width, height, 2),
    ...blankCards(data),
    ...meta,
  ];
  return assembleHdu(cards, table.data);
}

/** ZDITHER0 from the bytes of the first tile, as cfitsio's "checksum" seed option: reproducible output. */
function ditherSeed(firstTile: Float32Array | Float64Array): number {
  const bytes = new Uint8Array(firstTile.buffer, firstTile.byteOffset, firstTile.byteLength);
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i];
  return (sum % 10000) + 1;
}

function riceFloatHdu(
  data: Float32Array | Float64Array,
  width: number,
  height: number,
  level: number,
  meta: HeaderCard[],
): Uint8Array {
  const zbitpix = data instanceof Float32Array ? -32 : -64;
  const seed = ditherSeed(data.subarray(0, width));
  const quantized = new Int32Array(width);
  const riceTiles: Uint8Array[] = [];
  const gzipTiles: Uint8Array[] = [];
  const zscale: number[] = [];
  const zzero: number[] = [];
  const empty = new Uint8Array(0);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * width, (y + 1) * width);
    // Rows with no finite pixel are stored exactly: cheap, and readers that ignore ZBLANK still see NaN.
    const q = row.some(Number.isFinite) ? quantizeTile(row, width, 1, level, y + seed, quantized) : undefined;
    if (q) {
      riceTiles.push(riceEncode(quantized, RICE_BLOCK_SIZE));
      gzipTiles.push(empty);
      zscale.push(q.scale);
      zzero.push(q.zero);
    } else {
      // Tiles without measurable noise (flat, all NaN or too few pixels) are kept exactly.
      riceTiles.push(empty);
      gzipTiles.push(new Uint8Array(gzipSync(Buffer.from(encodeBigEndian(row)))));
      zscale.push(0);
      zzero.push(0);
    }
  }
  const table = tileTable({ arrays: [riceTiles, gzipTiles], scalars: [zscale, zzero] }, height);
  const cards = [
    ...tableHeader(table.rowLength, height, table.heapSize, [
      { name: 'COMPRESSED_DATA', form: `1PB(${table.maxLengths[0]})` },
      { name: 'GZIP_COMPRESSED_DATA', form: `1PB(${table.maxLengths[1]})` },
      { name: 'ZSCALE', form: '1D' },
      { name: 'ZZERO', form: '1D' },
    ]),
    ...imageKeywords(zbitpix, width, height, 4),
    card('ZNAME3', 'NOISEBIT', 'floating point quantization level'),
    { ...card('ZVAL3', level, 'floating point quantization level'), isFloat: true },
    card('ZQUANTIZ', 'SUBTRACTIVE_DITHER_2', 'pixel quantization algorithm'),
    card('ZDITHER0', seed, 'dithering offset when quantizing floats'),
    card('ZBLANK', NULL_VALUE, 'quantized value of NaN pixels'),
    ...meta,
  ];
  return assembleHdu(cards, table.data);
}
