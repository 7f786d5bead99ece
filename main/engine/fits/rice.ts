/**
 * RICE_1 codec of the FITS tiled image convention, bit-compatible with cfitsio's fits_rdecomp /
 * fits_rcomp (ricecomp.c): a first pixel in full, then blocks of `blockSize` zig-zag mapped differences,
 * each block led by an fs code (3, 4 or 5 bits for 1, 2, 4 bytes per pixel); code 0 = all differences
 * zero, code fsmax+1 = differences stored verbatim, otherwise Rice codes with fs low bits.
 */

import { Buffer } from 'node:buffer';

/** A RICE stream that cannot be decoded; the caller names the tile. */
export class RiceStreamError extends Error {}

interface RiceParams {
  fsBits: number;
  fsMax: number;
  bBits: number;
}

const PARAMS: Record<1 | 2 | 4, RiceParams> = {
  1: { fsBits: 3, fsMax: 6, bBits: 8 },
  2: { fsBits: 4, fsMax: 14, bBits: 16 },
  4: { fsBits: 5, fsMax: 25, bBits: 32 },
};

/**
 * A byte stream as big-endian 32-bit words, zero-padded so that a decoder may run up to `padBytes` past the
 * end before its once-per-block end check notices: the hot loops then need no per-read bounds checks.
 * In `into` (its start) when it is long enough, else in new memory.
 */
export function toWords(
  src: Uint8Array,
  start: number,
  end: number,
  padBytes: number,
  into?: Uint32Array,
): Uint32Array {
  const length = Math.ceil((end - start + padBytes) / 4) + 2;
  const reused = into !== undefined && into.length >= length;
  const words = reused ? into.subarray(0, length) : new Uint32Array(length);
  const view = new Uint8Array(words.buffer, words.byteOffset, length * 4);
  view.set(src.subarray(start, end));
  if (reused) view.fill(0, end - start);
  if (LITTLE_ENDIAN) Buffer.from(view.buffer, view.byteOffset, view.byteLength).swap32();
  return words;
}

/** Padding `toWords` needs for RICE blocks of `blockSize` pixels (at most 57 bits per pixel before a check). */
export function ricePadding(blockSize: number): number {
  return blockSize * 8 + 64;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `count` pixels of `bytePix` bytes from the bit string words[startBit ... startBit + lengthBits)
 * into out[outStart ...]. Pixel values wrap to the pixel width exactly as cfitsio's unsigned arithmetic.
 */
export function riceDecodeWords(
  words: Uint32Array,
  startBit: number,
  lengthBits: number,
  out: Uint8Array | Int16Array | Int32Array,
  outStart: number,
  count: number,
  blockSize: number,
  bytePix: 1 | 2 | 4,
): void {
  const { fsBits, fsMax, bBits } = PARAMS[bytePix];
  if (lengthBits < bBits + fsBits)
    throw new RiceStreamError(`RICE stream of ${lengthBits >> 3} bytes is too short`);
  const endBit = startBit + lengthBits;
  const mask = bytePix === 4 ? -1 : (1 << bBits) - 1;
  const fsShift = 32 - fsBits;
  const bShift = 32 - bBits;
  // `pos` is the absolute bit position; the 32 bits starting there are
  // (words[pos >>> 5] << b) | (words[(pos >>> 5) + 1] >>> 1 >>> (31 - b)) with b = pos & 31,
  // the double shift giving 0 for b = 0 where a shift by 32 would be a no-op in JavaScript.
  let pos = startBit;
  let wi = pos >>> 5;
  let b = pos & 31;
  let w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
  let lastpix = (w >>> bShift) & mask;
  pos += bBits;
  const end = outStart + count;
  let i = outStart;
  while (i < end) {
    wi = pos >>> 5;
    b = pos & 31;
    w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
    const fs = (w >>> fsShift) - 1;
    pos += fsBits;
    let imax = i + blockSize;
    if (imax > end) imax = end;
    if (fs < 0) {
      out.fill(lastpix, i, imax);
      i = imax;
    } else if (fs === fsMax) {
      for (; i < imax; i++) {
        wi = pos >>> 5;
        b = pos & 31;
        w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
        const diff = w >>> bShift;
        pos += bBits;
        lastpix = (((diff >>> 1) ^ -(diff & 1)) + lastpix) & mask;
        out[i] = lastpix;
      }
    } else if (fs > fsMax) {
      throw new RiceStreamError(`RICE block code ${fs + 1} is not valid for ${bytePix}-byte pixels`);
    } else if (fs === 0) {
      for (; i < imax; i++) {
        wi = pos >>> 5;
        b = pos & 31;
        w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
        let zeros = 0;
        while (w === 0) {
          zeros += 32;
          pos += 32;
          if (pos > endBit) throw new RiceStreamError('RICE stream ends early');
          wi = pos >>> 5;
          w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
        }
        const z = Math.clz32(w);
        pos += z + 1;
        const diff = zeros + z;
        lastpix = (((diff >>> 1) ^ -(diff & 1)) + lastpix) & mask;
        out[i] = lastpix;
      }
    } else {
      const lowShift = 32 - fs;
      for (; i < imax; i++) {
        wi = pos >>> 5;
        b = pos & 31;
        w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
        let zeros = 0;
        while (w === 0) {
          // A run of 32+ zero bits: only in very sparse data, or in a corrupt stream.
          zeros += 32;
          pos += 32;
          if (pos > endBit) throw new RiceStreamError('RICE stream ends early');
          wi = pos >>> 5;
          w = (words[wi] << b) | ((words[wi + 1] >>> 1) >>> (31 - b));
        }
        const z = Math.clz32(w);
        let low: number;
        if (z + 1 + fs <= 32) {
          low = (w << (z + 1)) >>> lowShift;
        } else {
          const p = pos + z + 1;
          const pw = p >>> 5;
          const pb = p & 31;
          low = ((words[pw] << pb) | ((words[pw + 1] >>> 1) >>> (31 - pb))) >>> lowShift;
        }
        pos += z + 1 + fs;
        const diff = ((zeros + z) << fs) | low;
        lastpix = (((diff >>> 1) ^ -(diff & 1)) + lastpix) & mask;
        out[i] = lastpix;
      }
    }
    if (pos > endBit) throw new RiceStreamError('RICE stream ends early');
  }
}

function decodeBytes(
  src: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array | Int16Array | Int32Array,
  outStart: number,
  count: number,
  blockSize: number,
  bytePix: 1 | 2 | 4,
): void {
  const words = toWords(src, start, start + length, ricePadding(blockSize));
  riceDecodeWords(words, 0, length * 8, out, outStart, count, blockSize, bytePix);
}

/** Decodes `count` 16-bit pixels (BYTEPIX 2) from src[start, start + length) into out[outStart...]. */
export function riceDecode16(
  src: Uint8Array,
  start: number,
  length: number,
  out: Int16Array,
  outStart: number,
  count: number,
  blockSize: number,
): void {
  decodeBytes(src, start, length, out, outStart, count, blockSize, 2);
}

/** Decodes `count` 32-bit pixels (BYTEPIX 4). */
export function riceDecode32(
  src: Uint8Array,
  start: number,
  length: number,
  out: Int32Array,
  outStart: number,
  count: number,
  blockSize: number,
): void {
  decodeBytes(src, start, length, out, outStart, count, blockSize, 4);
}

/** Decodes `count` 8-bit pixels (BYTEPIX 1). */
export function riceDecode8(
  src: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  outStart: number,
  count: number,
  blockSize: number,
): void {
  decodeBytes(src, start, length, out, outStart, count, blockSize, 1);
}

/** Growable byte sink with cfitsio's bit packing (output_nbits / done_outputing_bits). */
class BitSink {
  bytes: Uint8Array;
  pos = 0;
  bitBuffer = 0;
  bitsToGo = 8;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + extra));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  put(bits: number, n: number): void {
    this.ensure(8);
    let buffer = this.bitBuffer;
    let toGo = this.bitsToGo;
    if (toGo + n > 32) {
      buffer <<= toGo;
      buffer |= (bits >>> (n - toGo)) & ((1 << toGo) - 1);
      this.bytes[this.pos++] = buffer & 0xff;
      n -= toGo;
      toGo = 8;
    }
    buffer <<= n;
    buffer |= n === 32 ? bits : bits & ((1 << n) - 1);
    toGo -= n;
    while (toGo <= 0) {
      this.bytes[this.pos++] = (buffer >> -toGo) & 0xff;
      toGo += 8;
    }
    this.bitBuffer = buffer;
    this.bitsToGo = toGo;
  }

  finish(): Uint8Array {
    this.ensure(1);
    if (this.bitsToGo < 8) this.bytes[this.pos++] = (this.bitBuffer << this.bitsToGo) & 0xff;
    return this.bytes.slice(0, this.pos);
  }
}

/**
 * RICE_1-encodes `values` (Int16Array: BYTEPIX 2, Int32Array: BYTEPIX 4) exactly as cfitsio's
 * fits_rcomp_short / fits_rcomp do, so fpack, cfitsio and astropy decode the same pixels.
 */
export function riceEncode(values: Int16Array | Int32Array, blockSize = 32): Uint8Array {
  const bytePix = values instanceof Int16Array ? 2 : 4;
  const { fsBits, fsMax, bBits } = PARAMS[bytePix];
  const n = values.length;
  const sink = new BitSink(n * bytePix + (n >> 2) + 16);
  if (n === 0) return sink.finish();
  const diff = new Uint32Array(blockSize);
  sink.put(values[0], bBits);
  let lastpix = values[0];
  for (let i = 0; i < n; i += blockSize) {
    const thisBlock = Math.min(blockSize, n - i);
    let pixelSum = 0;
    for (let j = 0; j < thisBlock; j++) {
      const next = values[i + j];
      // Differences wrap in the pixel width, as the C code's short/int arithmetic does.
      const pdiff = bytePix === 2 ? ((next - lastpix) << 16) >> 16 : (next - lastpix) | 0;
      const mapped = pdiff < 0 ? ~(pdiff << 1) >>> 0 : (pdiff << 1) >>> 0;
      diff[j] = mapped;
      pixelSum += mapped;
      lastpix = next;
    }
    let dpsum = (pixelSum - Math.floor(thisBlock / 2) - 1) / thisBlock;
    if (dpsum < 0) dpsum = 0;
    let psum = (dpsum >>> 0) >>> 1;
    let fs = 0;
    for (; psum > 0; fs++) psum >>>= 1;
    if (fs >= fsMax) {
      sink.put(fsMax + 1, fsBits);
      for (let j = 0; j < thisBlock; j++) sink.put(diff[j], bBits);
    } else if (fs === 0 && pixelSum === 0) {
      sink.put(0, fsBits);
    } else {
      sink.put(fs + 1, fsBits);
      writeRiceCodes(sink, diff, thisBlock, fs);
    }
  }
  return sink.finish();
}

function writeRiceCodes(sink: BitSink, diff: Uint32Array, count: number, fs: number): void {
  const fsMask = (1 << fs) - 1;
  let buffer = sink.bitBuffer;
  let toGo = sink.bitsToGo;
  for (let j = 0; j < count; j++) {
    const v = diff[j];
    let top = v >>> fs;
    sink.ensure((top >> 3) + 8);
    const bytes = sink.bytes;
    if (toGo >= top + 1) {
      buffer <<= top + 1;
      buffer |= 1;
      toGo -= top + 1;
    } else {
      buffer <<= toGo;
      bytes[sink.pos++] = buffer & 0xff;
      for (top -= toGo; top >= 8; top -= 8) bytes[sink.pos++] = 0;
      buffer = 1;
      toGo = 7 - top;
    }
    if (fs > 0) {
      buffer <<= fs;
      buffer |= v & fsMask;
      toGo -= fs;
      while (toGo <= 0) {
        bytes[sink.pos++] = (buffer >> -toGo) & 0xff;
        toGo += 8;
      }
    }
  }
  sink.bitBuffer = buffer;
  sink.bitsToGo = toGo;
}
