/**
 * A FITS file's structure without its pixels: every header unit and every binary table's rows (a
 * tile-compressed image's tile index), read from the file into a buffer of the file's size whose other
 * bytes stay unread. readFitsHeaders and readFitsImageInfo work on it as on the whole file (same
 * layout, same errors), for a header-only look that costs milliseconds whatever the image's size.
 */
import type { FileHandle } from 'node:fs/promises';
import { iterateHdus } from './hduLayout.js';
import { BLOCK } from './headerUnit.js';
import { openInputFile } from './inputFile.js';

const CARD = 80;
const END_CARD = 'END'.padEnd(CARD);

/** Whether the 2880-byte block at `offset` holds the END card. */
function hasEndCard(bytes: Uint8Array, offset: number): boolean {
  for (let card = offset; card + CARD <= offset + BLOCK && card + CARD <= bytes.length; card += CARD) {
    if (String.fromCharCode(...bytes.subarray(card, card + CARD)) === END_CARD) return true;
  }
  return false;
}

/** Reads bytes [start, end) of the file into the same place of `bytes`. */
async function fill(file: FileHandle, bytes: Uint8Array, start: number, end: number): Promise<void> {
  for (let at = start; at < Math.min(end, bytes.length);) {
    const { bytesRead } = await file.read(bytes, at, Math.min(end, bytes.length) - at, at);
    if (bytesRead === 0) return;
    at += bytesRead;
  }
}

/**
 * Reads the header unit starting at `start`: block by block up to the one with END (or the file's end);
 * after the last HDU, only the block that shows it is not an extension (bytes astropy ignores too).
 */
async function fillHeader(file: FileHandle, bytes: Uint8Array, start: number): Promise<void> {
  for (let block = start; block < bytes.length; block += BLOCK) {
    await fill(file, bytes, block, block + BLOCK);
    if (hasEndCard(bytes, block)) return;
    if (
      block === start &&
      start > 0 &&
      String.fromCharCode(...bytes.subarray(start, start + 8)) !== 'XTENSION'
    )
      return;
  }
}

/**
 * The file's size in bytes with its header units and binary-table rows in place; pixel data and heaps
 * are left unread (the buffer's untouched pages cost no memory). Opened as any input is (openInputFile):
 * a FIFO or a device is refused, not waited on.
 */
export async function readFitsStructure(path: string): Promise<Uint8Array> {
  const { file, size } = await openInputFile(path);
  try {
    const bytes = new Uint8Array(size);
    await fillHeader(file, bytes, 0);
    // iterateHdus reads the next header as it steps: each is filled before the step that reads it.
    const hdus = iterateHdus(bytes);
    for (let step = hdus.next(); !step.done; step = hdus.next()) {
      const { header, dataStart, dataLength } = step.value;
      if (header.string('XTENSION')?.trim() === 'BINTABLE') {
        const rowsBytes = (header.number('NAXIS1') ?? 0) * (header.number('NAXIS2') ?? 0);
        await fill(file, bytes, dataStart, dataStart + rowsBytes);
      }
      const next = dataStart + Math.ceil(dataLength / BLOCK) * BLOCK;
      if (next < size) await fillHeader(file, bytes, next);
    }
    return bytes;
  } finally {
    await file.close();
  }
}
