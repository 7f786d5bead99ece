/** Big-endian FITS pixel arrays <-> native typed arrays. */
import { Buffer } from 'node:buffer';

export type Bitpix = 8 | 16 | 32 | 64 | -32 | -64;
export type RawPixels = Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function bytesPerPixel(bitpix: Bitpix): number {
  return Math.abs(bitpix) / 8;
}

/** A zeroed array of `count` pixels; `shared` puts it on a SharedArrayBuffer that worker threads can fill. */
export function allocatePixels(bitpix: Bitpix, count: number, shared = false): RawPixels {
  const bytes = count * bytesPerPixel(bitpix);
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  switch (bitpix) {
    case 8:
      return new Uint8Array(buffer);
    case 16:
      return new Int16Array(buffer);
    case 32:
      return new Int32Array(buffer);
    case 64:
      return new BigInt64Array(buffer);
    case -32:
      return new Float32Array(buffer);
    case -64:
      return new Float64Array(buffer);
  }
}

/** Swaps each `size`-byte group in place (no-op for size 1). */
function swapInPlace(bytes: Uint8Array, size: number): void {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 2) b.swap16();
  else if (size === 4) b.swap32();
  else if (size === 8) b.swap64();
}

/** `count` pixels of type `bitpix` stored big-endian at bytes[start...], copied into a native typed array. */
export function decodeBigEndian(bytes: Uint8Array, start: number, count: number, bitpix: Bitpix): RawPixels {
  const out = allocatePixels(bitpix, count);
  const size = bytesPerPixel(bitpix);
  const target = new Uint8Array(out.buffer, 0, count * size);
  target.set(bytes.subarray(start, start + count * size));
  if (LITTLE_ENDIAN) swapInPlace(target, size);
  return out;
}

/** The pixels as big-endian bytes (a new buffer). */
export function encodeBigEndian(pixels: RawPixels): Uint8Array {
  const out = new Uint8Array(pixels.byteLength);
  writeBigEndian(pixels, out);
  return out;
}

/** The pixels' own bytes, made big-endian in place (the array no longer holds native numbers). */
export function toBigEndianInPlace(pixels: RawPixels): Uint8Array {
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  if (LITTLE_ENDIAN) swapInPlace(bytes, pixels.BYTES_PER_ELEMENT);
  return bytes;
}

/** Writes the pixels as big-endian bytes into `target` (at least pixels.byteLength long). */
export function writeBigEndian(pixels: RawPixels, target: Uint8Array): void {
  const bytes = target.subarray(0, pixels.byteLength);
  bytes.set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
  if (LITTLE_ENDIAN) swapInPlace(bytes, pixels.BYTES_PER_ELEMENT);
}
