/** Reading an input file with bounds: only regular files, never more than MAX_FILE_BYTES, never blocking. */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { FitsFormatError } from './errors.js';
import { BLOCK } from './headerUnit.js';
import { checkSignature } from './hduLayout.js';
import { formatBytes, MAX_FILE_BYTES } from './sizeLimits.js';

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * An input file opened for reading: without blocking (a FIFO would wait for a writer forever), and
 * refused unless it is a regular file (a device such as /dev/zero never ends) of at most MAX_FILE_BYTES.
 */
export async function openInputFile(path: string): Promise<{ file: FileHandle; size: number }> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (!info.isFile()) {
      throw new FitsFormatError('not-fits', `not a FITS file: it is ${kindOf(info)}, not a regular file`);
    }
    if (info.size > MAX_FILE_BYTES) {
      throw new FitsFormatError(
        'unsupported',
        `the file is ${formatBytes(info.size)}, more than the ${formatBytes(MAX_FILE_BYTES)} an input may have`,
      );
    }
    return { file, size: info.size };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * The bytes of an input FITS file (openInputFile), read to its size at the time of opening. A file
 * that does not start like FITS is refused after its first block, before the rest is read. `shared`:
 * on a SharedArrayBuffer, where the tile decode workers read them without a copy (the pipeline's
 * reads: a 4096² frame's 13 MB are then touched once, not twice).
 */
export async function readInputFile(path: string, options: { shared?: boolean } = {}): Promise<Uint8Array> {
  const { file, size } = await openInputFile(path);
  try {
    const bytes = new Uint8Array(options.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    let filled = await readInto(file, bytes, 0, Math.min(BLOCK, size));
    checkSignature(bytes.subarray(0, filled));
    filled = await readInto(file, bytes, filled, size);
    // a file cut short while it was read is read as what it is: truncated
    return filled < size ? bytes.subarray(0, filled) : bytes;
  } finally {
    await file.close();
  }
}

/** Reads into bytes[from, to) until full or the end of the file; returns where it stopped. */
async function readInto(file: FileHandle, bytes: Uint8Array, from: number, to: number): Promise<number> {
  let at = from;
  while (at < to) {
    const { bytesRead } = await file.read(bytes, at, to - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at;
}
