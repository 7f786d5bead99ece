/**
 * Decoding of tile-compressed images (the FITS tiled image convention as cfitsio and astropy implement it):
 * a BINTABLE with ZIMAGE = T, one row per tile, the compressed bytes in the heap.
 */
import { unzipSync } from 'node:zlib';
import {
  findColumn,
  parseBinTable,
  readDescriptor,
  readScalar,
  type BinTable,
  type Column,
  type HeapSlice,
} from './binTable.js';
import { FitsFormatError } from './errors.js';
import type { FitsHeader } from './header.js';
import { requiredInteger, type HduLayout } from './hduLayout.js';
import { allocatePixels, decodeBigEndian, type Bitpix, type RawPixels } from './pixels.js';
import { unquantize, type QuantizeMethod, type TileQuantization } from './quantize.js';
import { requireImageSize } from './sizeLimits.js';
import { riceDecodeWords, RiceStreamError, ricePadding, toWords } from './rice.js';

export type CompressionType = 'RICE_1' | 'GZIP_1' | 'GZIP_2' | 'NOCOMPRESS';

export interface CompressionInfo {
  type: CompressionType;
  quantize?: QuantizeMethod;
  tile: [number, number];
}

export interface DecodedTiledImage {
  bitpix: Bitpix;
  width: number;
  height: number;
  raw: RawPixels;
  compression: CompressionInfo;
  /** ZBLANK keyword of an integer image. */
  zblank?: number;
}

export function isTiledImage(header: FitsHeader): boolean {
  return header.string('XTENSION')?.trim() === 'BINTABLE' && header.get('ZIMAGE') === true;
}

const BITPIX_VALUES = new Set([8, 16, 32, 64, -32, -64]);
/** RICE bit positions are unsigned 32-bit numbers in the decoder's hot loop. */
const MAX_HEAP_BYTES = 2 ** 29;

interface TileParams {
  type: CompressionType;
  bitpix: Bitpix;
  width: number;
  height: number;
  tileW: number;
  tileH: number;
  blockSize: number;
  bytePix: 1 | 2 | 4;
  /** Float images: how COMPRESSED_DATA tiles were quantized; undefined for lossless ('NONE') and integers. */
  quantize?: QuantizeMethod;
  ditherSeed: number;
}

function compressionType(header: FitsHeader, hduIndex: number): CompressionType {
  const name = (header.string('ZCMPTYPE') ?? '').trim().toUpperCase();
  if (name === 'RICE_1' || name === 'RICE_ONE') return 'RICE_1';
  if (name === 'GZIP_1' || name === 'GZIP_2' || name === 'NOCOMPRESS') return name;
  if (name === 'PLIO_1' || name === 'HCOMPRESS_1') {
    throw new FitsFormatError(
      'unsupported',
      `HDU ${hduIndex} is compressed with ${name}, which this reader does not decode (RICE_1, GZIP_1, GZIP_2 and NOCOMPRESS are supported)`,
    );
  }
  throw new FitsFormatError('corrupt', `HDU ${hduIndex} has an unknown ZCMPTYPE ${JSON.stringify(name)}`);
}

/** ZNAMEn/ZVALn pairs as a name -> value map. */
function compressionParameters(header: FitsHeader): Map<string, number> {
  const out = new Map<string, number>();
  for (let k = 1; k < 100; k++) {
    const name = header.string(`ZNAME${k}`);
    if (name === undefined) break;
    const value = header.number(`ZVAL${k}`);
    if (value !== undefined) out.set(name.trim().toUpperCase(), value);
  }
  return out;
}

function readParams(header: FitsHeader, hduIndex: number): TileParams {
  const bitpix = requiredInteger(header, 'ZBITPIX', hduIndex);
  if (!BITPIX_VALUES.has(bitpix))
    throw new FitsFormatError('corrupt', `HDU ${hduIndex} has ZBITPIX = ${bitpix}`);
  const naxis = requiredInteger(header, 'ZNAXIS', hduIndex);
  const dims: number[] = [];
  const tiles: number[] = [];
  for (let k = 1; k <= naxis; k++) {
    dims.push(requiredInteger(header, `ZNAXIS${k}`, hduIndex));
    tiles.push(header.number(`ZTILE${k}`) ?? (k === 1 ? dims[0] : 1));
  }
  if (naxis < 1 || dims.slice(2).some((n) => n !== 1)) {
    throw new FitsFormatError(
      'unsupported',
      `HDU ${hduIndex} holds a ${naxis}-D compressed array (${dims.join('×')}); only 2-D images are supported`,
    );
  }
  if (tiles.some((t) => !Number.isInteger(t) || t < 1)) {
    throw new FitsFormatError(
      'corrupt',
      `HDU ${hduIndex} has invalid tile sizes ZTILEn = ${tiles.join(', ')}`,
    );
  }
  const type = compressionType(header, hduIndex);
  const params = compressionParameters(header);
  const blockSize = params.get('BLOCKSIZE') ?? 32;
  const bytePix = params.get('BYTEPIX') ?? 4;
  if (type === 'RICE_1') {
    if (bytePix !== 1 && bytePix !== 2 && bytePix !== 4) {
      throw new FitsFormatError(
        'unsupported',
        `HDU ${hduIndex}: RICE_1 with BYTEPIX = ${bytePix} is not supported (1, 2 or 4)`,
      );
    }
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 65536) {
      throw new FitsFormatError('corrupt', `HDU ${hduIndex}: RICE_1 BLOCKSIZE = ${blockSize} is not valid`);
    }
  }
  let quantize: QuantizeMethod | undefined;
  if (bitpix < 0) {
    const method = (header.string('ZQUANTIZ') ?? 'NO_DITHER').trim().toUpperCase();
    if (method === 'SUBTRACTIVE_DITHER_1' || method === 'SUBTRACTIVE_DITHER_2') quantize = method;
    else if (method !== 'NONE') quantize = 'NO_DITHER';
  }
  // cfitsio assumes seed 1 when an old dithered file has no ZDITHER0.
  const ditherSeed = header.number('ZDITHER0') ?? 1;
  return {
    type,
    bitpix: bitpix as Bitpix,
    width: dims[0],
    height: naxis >= 2 ? dims[1] : 1,
    tileW: tiles[0],
    tileH: naxis >= 2 ? tiles[1] : 1,
    blockSize,
    bytePix: bytePix as 1 | 2 | 4,
    quantize,
    ditherSeed,
  };
}

interface Columns {
  compressed: Column;
  gzip?: Column;
  uncompressed?: Column;
  zscale?: Column;
  zzero?: Column;
  zblank?: Column;
}

function tableColumns(table: BinTable, hduIndex: number): Columns {
  const compressed = findColumn(table, 'COMPRESSED_DATA');
  if (!compressed || (compressed.type !== 'P' && compressed.type !== 'Q')) {
    throw new FitsFormatError(
      'corrupt',
      `HDU ${hduIndex} is marked ZIMAGE = T but has no COMPRESSED_DATA variable-length column`,
    );
  }
  const varColumn = (name: string): Column | undefined => {
    const c = findColumn(table, name);
    return c && (c.type === 'P' || c.type === 'Q') ? c : undefined;
  };
  return {
    compressed,
    gzip: varColumn('GZIP_COMPRESSED_DATA'),
    uncompressed: varColumn('UNCOMPRESSED_DATA'),
    zscale: findColumn(table, 'ZSCALE'),
    zzero: findColumn(table, 'ZZERO'),
    zblank: findColumn(table, 'ZBLANK'),
  };
}

/** A decoded tile before it is placed: integers (maybe quantized) or final floats. */
type TileValues = Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

class TileError extends Error {}

/** Inflates a tile, never to more than the `maxBytes` its pixels can take: a decompression bomb stops there. */
function inflate(bytes: Uint8Array, start: number, length: number, maxBytes: number): Uint8Array {
  try {
    return unzipSync(bytes.subarray(start, start + length), { maxOutputLength: maxBytes + 1 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TileError(
        `its gzip stream inflates to more than the ${maxBytes} bytes the tile's pixels can take ` +
          '(a decompression bomb, or a damaged tile)',
      );
    }
    throw new TileError(`its gzip stream is damaged (${(e as Error).message})`);
  }
}

/** GZIP_2 stores the most significant bytes of all pixels first, then the next bytes, and so on. */
function unshuffle(bytes: Uint8Array, size: number): Uint8Array {
  if (size === 1) return bytes;
  const n = bytes.length / size;
  const out = new Uint8Array(bytes.length);
  for (let j = 0; j < size; j++) {
    const plane = j * n;
    for (let i = 0; i < n; i++) out[i * size + j] = bytes[plane + i];
  }
  return out;
}

/** Big-endian values of `size` bytes each: integers, or floats when `floats` is set. */
function valuesFromBytes(bytes: Uint8Array, count: number, size: number, floats: boolean): TileValues {
  if (bytes.length !== count * size || ![1, 2, 4, 8].includes(size) || (floats && size < 4)) {
    throw new TileError(`decompressed tile holds ${bytes.length} bytes, not ${count} pixels`);
  }
  const bitpix = (floats ? -size * 8 : size * 8) as Bitpix;
  return decodeBigEndian(bytes, 0, count, bitpix);
}

/** A tiled image's parameters and table, read and checked once: what decoding any of its tile rows needs. */
export interface TiledImagePlan {
  index: number;
  params: TileParams;
  table: BinTable;
  cols: Columns;
  tilesX: number;
  /** Rows of tiles: the units a decode can be split into. */
  tilesY: number;
  /** Keyword values for tables without ZSCALE, ZZERO or ZBLANK columns. */
  zscaleKey: number;
  zzeroKey: number;
  nullKey?: number;
}

export function planTiledImage(bytes: Uint8Array, layout: HduLayout): TiledImagePlan {
  const { header, index } = layout;
  const p = readParams(header, index);
  const table = parseBinTable(bytes, layout);
  const cols = tableColumns(table, index);
  const tilesX = Math.ceil(p.width / p.tileW);
  const tilesY = Math.ceil(p.height / p.tileH);
  if (table.rows < tilesX * tilesY) {
    throw new FitsFormatError(
      'corrupt',
      `HDU ${index} needs ${tilesX * tilesY} tiles for a ${p.width}×${p.height} image but its table has ${table.rows} rows`,
    );
  }
  if (table.heapEnd - table.heapStart > MAX_HEAP_BYTES) {
    throw new FitsFormatError(
      'unsupported',
      `HDU ${index} has a ${table.heapEnd - table.heapStart}-byte heap; tiled images up to 512 MB are supported`,
    );
  }
  // A compressed table can declare any image size: refuse before allocating absurd amounts.
  requireImageSize(p.width, p.height, Math.abs(p.bitpix) / 8, index);
  return {
    index,
    params: p,
    table,
    cols,
    tilesX,
    tilesY,
    zscaleKey: header.number('ZSCALE') ?? 1,
    zzeroKey: header.number('ZZERO') ?? 0,
    nullKey: header.number('ZBLANK') ?? header.number('BLANK'),
  };
}

/** Everything a decoded tiled image has but its pixels. */
export function describeTiledImage(plan: TiledImagePlan, header: FitsHeader): Omit<DecodedTiledImage, 'raw'> {
  const p = plan.params;
  return {
    bitpix: p.bitpix,
    width: p.width,
    height: p.height,
    compression: {
      type: p.type,
      ...(p.quantize ? { quantize: p.quantize } : {}),
      tile: [p.tileW, p.tileH],
    },
    zblank: p.bitpix > 0 ? header.number('ZBLANK') : undefined,
  };
}

export function decodeTiledImage(bytes: Uint8Array, layout: HduLayout): DecodedTiledImage {
  const plan = planTiledImage(bytes, layout);
  const raw = allocatePixels(plan.params.bitpix, plan.params.width * plan.params.height);
  decodeTileRows(bytes, plan, raw, 0, plan.tilesY);
  return { ...describeTiledImage(plan, layout.header), raw };
}

/**
 * Decodes the tile rows [firstRow, endRow) into their place in `out` (the whole image). A corrupt tile
 * throws FitsFormatError naming it; the tiles before it in the band are decoded already.
 */
export function decodeTileRows(
  bytes: Uint8Array,
  plan: TiledImagePlan,
  out: RawPixels,
  firstRow: number,
  endRow: number,
): void {
  const { params: p, table, cols, tilesX, index } = plan;
  const maxTile = Math.min(p.tileW, p.width) * Math.min(p.tileH, p.height);
  const scratch = new Float64Array(p.quantize ? maxTile : 0);
  const heap = bandHeap(bytes, plan, firstRow * tilesX, endRow * tilesX);

  for (let t = firstRow * tilesX; t < endRow * tilesX; t++) {
    const x0 = (t % tilesX) * p.tileW;
    const y0 = Math.floor(t / tilesX) * p.tileH;
    const tw = Math.min(p.tileW, p.width - x0);
    const th = Math.min(p.tileH, p.height - y0);
    const count = tw * th;
    const contiguous = tw === p.width;
    const outStart = y0 * p.width + x0;
    try {
      const desc = readDescriptor(table, cols.compressed, t);
      if (desc.count > 0) {
        if (
          p.type === 'RICE_1' &&
          p.quantize === undefined &&
          contiguous &&
          riceDirect(heap, desc, p, out, outStart, count)
        ) {
          continue;
        }
        const ints = decodeCompressed(heap, desc.start, desc.length, p, count);
        if (p.quantize) {
          const q: TileQuantization = {
            scale: cols.zscale ? readScalar(table, cols.zscale, t) : plan.zscaleKey,
            zero: cols.zzero ? readScalar(table, cols.zzero, t) : plan.zzeroKey,
            method: p.quantize,
            ditherRow: t + p.ditherSeed,
            nullValue: cols.zblank ? readScalar(table, cols.zblank, t) : plan.nullKey,
          };
          if (ints instanceof BigInt64Array || ints instanceof Float32Array || ints instanceof Float64Array) {
            throw new TileError('quantized tile does not hold 8-, 16- or 32-bit integers');
          }
          const dst = out as Float32Array | Float64Array;
          if (contiguous) unquantize(ints, count, q, dst, outStart);
          else {
            unquantize(ints, count, q, scratch, 0);
            placeTile(scratch, out, x0, y0, tw, th, p.width);
          }
        } else {
          placeTile(ints, out, x0, y0, tw, th, p.width);
        }
        continue;
      }
      const fallback = losslessTile(bytes, table, cols, t, p, count);
      if (!fallback) {
        throw new TileError(
          'COMPRESSED_DATA is empty and no GZIP_COMPRESSED_DATA or UNCOMPRESSED_DATA holds the tile',
        );
      }
      placeTile(fallback, out, x0, y0, tw, th, p.width);
    } catch (e) {
      if (e instanceof TileError || e instanceof RiceStreamError) {
        throw new FitsFormatError(
          'corrupt',
          `tile ${t + 1} of COMPRESSED_DATA in HDU ${index} is corrupt (${e.message})`,
        );
      }
      throw e;
    }
  }
}

/**
 * The heap for tiles [first, end): for RICE, the heap bytes those tiles lie in as big-endian words, so a
 * band converts only its own part. The words run `ricePadding` bytes past the last tile's end where the
 * heap does, as converting the whole heap would: a corrupt tile's decoder reads exactly the same bits.
 */
function bandHeap(bytes: Uint8Array, plan: TiledImagePlan, first: number, end: number): Heap {
  const { table, cols, params } = plan;
  if (params.type !== 'RICE_1') return { bytes, start: table.heapStart };
  let lo = table.heapEnd;
  let hi = table.heapStart;
  for (let t = first; t < end; t++) {
    let desc: HeapSlice;
    try {
      desc = readDescriptor(table, cols.compressed, t);
    } catch {
      // A descriptor outside the heap is reported by the decoding loop, in tile order.
      continue;
    }
    lo = Math.min(lo, desc.start);
    hi = Math.max(hi, desc.start + desc.length);
  }
  if (lo > hi) lo = hi;
  const padding = ricePadding(params.blockSize);
  const words = toWords(bytes, lo, Math.min(hi + padding, table.heapEnd), padding, bandWords);
  // kept for the next band of this thread: its memory is touched once, not once per band
  if (words.buffer !== bandWords?.buffer && words.byteLength <= KEPT_BAND_BYTES) bandWords = words;
  return { bytes, start: lo, words };
}

/**
 * The words of a band decoded before on this thread, reused by the next (bands decode one after the
 * other, each done before the next starts); only a pool band's size is kept, not a whole image's heap.
 */
let bandWords: Uint32Array | undefined;
const KEPT_BAND_BYTES = 4 << 20;

interface Heap {
  bytes: Uint8Array;
  /** Absolute offset of the heap in `bytes`. */
  start: number;
  words?: Uint32Array;
}

function riceTile(
  heap: Heap,
  start: number,
  length: number,
  p: TileParams,
  out: Uint8Array | Int16Array | Int32Array,
  outStart: number,
  count: number,
): void {
  riceDecodeWords(
    heap.words!,
    (start - heap.start) * 8,
    length * 8,
    out,
    outStart,
    count,
    p.blockSize,
    p.bytePix,
  );
}

/** RICE straight into the output when pixel widths match (the JSOC int16 case): no scratch copy. */
function riceDirect(
  heap: Heap,
  desc: { start: number; length: number },
  p: TileParams,
  out: RawPixels,
  outStart: number,
  count: number,
): boolean {
  const matches =
    (p.bytePix === 2 && out instanceof Int16Array) ||
    (p.bytePix === 4 && out instanceof Int32Array) ||
    (p.bytePix === 1 && out instanceof Uint8Array);
  if (matches) riceTile(heap, desc.start, desc.length, p, out as Int16Array, outStart, count);
  return matches;
}

function decodeCompressed(
  heap: Heap,
  start: number,
  length: number,
  p: TileParams,
  count: number,
): TileValues {
  const rawFloats = p.bitpix < 0 && p.quantize === undefined;
  switch (p.type) {
    case 'RICE_1': {
      if (rawFloats) throw new TileError('RICE_1 cannot hold unquantized floating-point pixels');
      const v =
        p.bytePix === 1
          ? new Uint8Array(count)
          : p.bytePix === 2
            ? new Int16Array(count)
            : new Int32Array(count);
      riceTile(heap, start, length, p, v, 0, count);
      return v;
    }
    case 'GZIP_1':
    case 'GZIP_2': {
      const inflated = inflate(heap.bytes, start, length, count * 8);
      const size = inflated.length / count;
      const ordered = p.type === 'GZIP_2' && Number.isInteger(size) ? unshuffle(inflated, size) : inflated;
      return valuesFromBytes(ordered, count, size, rawFloats);
    }
    case 'NOCOMPRESS':
      return valuesFromBytes(heap.bytes.subarray(start, start + length), count, length / count, rawFloats);
  }
}

/** Tiles cfitsio could not compress are stored losslessly: gzip'd big-endian pixels, or plain arrays. */
function losslessTile(
  bytes: Uint8Array,
  table: BinTable,
  cols: Columns,
  t: number,
  p: TileParams,
  count: number,
): TileValues | undefined {
  const floats = p.bitpix < 0;
  if (cols.gzip) {
    const desc = readDescriptor(table, cols.gzip, t);
    if (desc.count > 0) {
      const inflated = inflate(bytes, desc.start, desc.length, count * 8);
      return valuesFromBytes(inflated, count, inflated.length / count, floats);
    }
  }
  if (cols.uncompressed) {
    const desc = readDescriptor(table, cols.uncompressed, t);
    if (desc.count > 0) {
      const type = cols.uncompressed.elementType!;
      const isFloat = type === 'E' || type === 'D';
      const size = desc.length / desc.count;
      if (desc.count !== count)
        throw new TileError(`UNCOMPRESSED_DATA holds ${desc.count} values, not ${count}`);
      return valuesFromBytes(bytes.subarray(desc.start, desc.start + desc.length), count, size, isFloat);
    }
  }
  return undefined;
}

/** Copies a tw × th tile (row-major) into the image at (x0, y0), converting to the image's type. */
function placeTile(
  values: TileValues,
  out: RawPixels,
  x0: number,
  y0: number,
  tw: number,
  th: number,
  width: number,
): void {
  if (out instanceof BigInt64Array !== values instanceof BigInt64Array) {
    for (let r = 0; r < th; r++) {
      for (let c = 0; c < tw; c++) {
        const v = values[r * tw + c];
        if (out instanceof BigInt64Array) out[(y0 + r) * width + x0 + c] = BigInt(Math.trunc(Number(v)));
        else out[(y0 + r) * width + x0 + c] = Number(v);
      }
    }
    return;
  }
  for (let r = 0; r < th; r++) {
    const row = values.subarray(r * tw, (r + 1) * tw);
    // Typed-array set converts element types (e.g. bytes into an Int16 image) like the C casts do.
    (out as Float64Array).set(row as Float64Array, (y0 + r) * width + x0);
  }
}
