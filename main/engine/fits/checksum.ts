import { FitsFormatError } from './errors.js';
import type { HduLayout } from './hduLayout.js';
import { BLOCK } from './headerUnit.js';
import { LITTLE_ENDIAN } from './pixels.js';

/**
 * FITS checksum convention (Seaman, Pence & Rots 2012): a 32-bit ones'-complement sum of the big-endian
 * words of an HDU; DATASUM is the data sum in decimal, CHECKSUM the complement of the HDU sum encoded as 16
 * ASCII characters so that the summed HDU comes out as -0 (all ones).
 */

/** Ones'-complement sum of 32-bit big-endian words of bytes[start, end) (length a multiple of 4), added to `sum`. */
export function onesComplementSum(bytes: Uint8Array, start = 0, end = bytes.length, sum = 0): number {
  const at = bytes.byteOffset + start;
  if (LITTLE_ENDIAN && at % 4 === 0)
    return addSums(sum, bigEndianWordsSum(new Uint32Array(bytes.buffer, at, (end - start) / 4)));
  let hi = sum >>> 16;
  let lo = sum & 0xffff;
  // Carries are folded every 2^15 words at most so that hi/lo stay exact in doubles and far below 2^53.
  for (let i = start; i < end;) {
    const chunkEnd = Math.min(end, i + 4 * 32768);
    for (; i < chunkEnd; i += 4) {
      hi += (bytes[i] << 8) | bytes[i + 1];
      lo += (bytes[i + 2] << 8) | bytes[i + 3];
    }
    let hiCarry = hi >>> 16;
    let loCarry = lo >>> 16;
    while (hiCarry !== 0 || loCarry !== 0) {
      hi = (hi & 0xffff) + loCarry;
      lo = (lo & 0xffff) + hiCarry;
      hiCarry = hi >>> 16;
      loCarry = lo >>> 16;
    }
  }
  return ((hi << 16) | lo) >>> 0;
}

/**
 * The sum of big-endian words read as little-endian ones (a 13 MB input's DATASUM is checked on the
 * main thread: a word load instead of four byte loads). Each big-endian value is its native word with
 * the bytes of each 16-bit half swapped (even bytes `low`, odd bytes `high`: low·2^8 + high), rotated
 * by 16 bits; a rotation multiplies by 2^16, which a ones'-complement sum commutes with, so the halves
 * are summed apart and combined once per chunk.
 */
function bigEndianWordsSum(words: Uint32Array): number {
  let sum = 0;
  // 2^20 words keep low·2^8 + high below 2^53
  for (let i = 0; i < words.length;) {
    const chunkEnd = Math.min(words.length, i + (1 << 20));
    let low = 0;
    let high = 0;
    for (; i < chunkEnd; i++) {
      const word = words[i];
      low += word & 0x00ff00ff;
      high += (word >>> 8) & 0x00ff00ff;
    }
    const swapped = foldCarries(low * 256 + high);
    sum = addSums(sum, ((swapped << 16) | (swapped >>> 16)) >>> 0);
  }
  return sum;
}

/**
 * The same sum over the big-endian encoding of 32- or 64-bit samples, read from the native samples
 * themselves: a big-endian 32-bit word of the data unit is one native 32-bit word of the samples (the
 * two halves of a 64-bit sample swap places, which a sum does not see), so no byte is looked at.
 */
export function onesComplementSumOfWords(samples: Float32Array | Float64Array | Int32Array): number {
  const words = new Uint32Array(samples.buffer, samples.byteOffset, samples.byteLength / 4);
  let sum = 0;
  // A double holds 2^21 words of 32 bits exactly; fold the carries back in before it could not.
  for (let i = 0; i < words.length;) {
    const chunkEnd = Math.min(words.length, i + (1 << 20));
    let chunk = 0;
    for (; i < chunkEnd; i++) chunk += words[i];
    sum = addSums(sum, foldCarries(chunk));
  }
  return sum;
}

/**
 * The ones'-complement sum of 32-bit words whose plain sum is the u64 hi·2^32 + lo (a kernel's
 * accumulator): 2^32 ≡ 1 here, so it is the sum of the halves, folded.
 */
export function foldWordSum(lo: number, hi: number): number {
  return foldCarries(lo + hi);
}

/** A non-negative integer below 2^53 reduced to 32 bits with end-around carries. */
function foldCarries(x: number): number {
  while (x > 0xffffffff) x = (x % 0x100000000) + Math.floor(x / 0x100000000);
  return x;
}

/** Adds two ones'-complement 32-bit sums (end-around carry). */
export function addSums(a: number, b: number): number {
  const s = a + b;
  return s > 0xffffffff ? (s - 0xffffffff) >>> 0 : s >>> 0;
}

const EXCLUDED = [0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60];

/** The 16-character ASCII encoding of the complement of `sum` (cfitsio's ffesum with complm = true). */
export function encodeChecksum(sum: number): string {
  const value = (0xffffffff - sum) >>> 0;
  const asc = new Array<number>(16);
  for (let ii = 0; ii < 4; ii++) {
    const byte = (value >>> (24 - 8 * ii)) & 0xff;
    const quotient = Math.floor(byte / 4) + 0x30;
    const remainder = byte % 4;
    const ch = [quotient + remainder, quotient, quotient, quotient];
    let changed = true;
    while (changed) {
      changed = false;
      for (const ex of EXCLUDED) {
        for (let jj = 0; jj < 4; jj += 2) {
          if (ch[jj] === ex || ch[jj + 1] === ex) {
            ch[jj]++;
            ch[jj + 1]--;
            changed = true;
          }
        }
      }
    }
    for (let jj = 0; jj < 4; jj++) asc[4 * jj + ii] = ch[jj];
  }
  let out = '';
  for (let ii = 0; ii < 16; ii++) out += String.fromCharCode(asc[(ii + 15) % 16]);
  return out;
}

/**
 * Refuses an HDU whose data do not add up to its DATASUM (when it has one): a flipped bit in a
 * compressed tile can decode to plausible pixels, and only the sum tells. Missing final padding counts
 * as the zeros it would hold.
 */
export function requireDataSum(bytes: Uint8Array, layout: HduLayout): void {
  const declared = layout.header.get('DATASUM');
  if (declared === undefined || declared === '') return;
  const expected = Number(declared);
  const end = Math.min(bytes.length, layout.dataStart + Math.ceil(layout.dataLength / BLOCK) * BLOCK);
  const whole = layout.dataStart + Math.floor((end - layout.dataStart) / 4) * 4;
  let sum = onesComplementSum(bytes, layout.dataStart, whole);
  if (whole < end) {
    const tail = new Uint8Array(4);
    tail.set(bytes.subarray(whole, end));
    sum = onesComplementSum(tail, 0, 4, sum);
  }
  if (!Number.isInteger(expected) || expected !== sum) {
    throw new FitsFormatError(
      'corrupt',
      `the data of HDU ${layout.index} fail their checksum (DATASUM = ${JSON.stringify(declared)}, ` +
        `the bytes sum to ${sum}): the file is damaged`,
    );
  }
}
