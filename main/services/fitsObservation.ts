import { open } from 'node:fs/promises';
import type { JobObservation } from '../contract/index.js';
import { FitsFormatError, type FitsHeader } from '../engine/fits/index.js';
import { readHeaderUnit } from '../engine/fits/headerUnit.js';

/**
 * A JSOC level 1 file's headers (an empty primary HDU, then the compressed image's table header) and a
 * product's header with its HISTORY each take a few 2880-byte blocks: 32 KB holds them with room to
 * spare, and a watch folder restarted over thousands of files whose jobs were cleared reads this much
 * of each file and product, not their 10–64 MB.
 */
const FIRST_READ = 32 * 1024;
const MOST_READ = 4 * 1024 * 1024;

/** Which observation a FITS file holds, and the image's size, from its first header units. */
export interface FileObservation {
  /** "171 Å at 2011-02-15T00:00:01.34Z": the channel and T_OBS identify an AIA exposure. */
  text: string;
  channel: number;
  /** T_OBS, or DATE-OBS when there is none, as written. */
  time: string;
  width: number;
  height: number;
}

/**
 * Which observation a FITS file holds, or undefined when its header names none. Only the first header
 * units are read: a level 1.5 product is 64 MB and the question is asked of every product already in
 * an output folder. A product keeps its input's channel and T_OBS.
 */
export async function observationOf(path: string): Promise<FileObservation | undefined> {
  for (let length = FIRST_READ; length <= MOST_READ; length *= 4) {
    const bytes = await readStart(path, length);
    try {
      return describe(observationHeader(bytes));
    } catch (error) {
      const headerCutShort = error instanceof FitsFormatError && error.reason === 'truncated';
      if (!headerCutShort || bytes.length < length) return undefined;
    }
  }
  return undefined;
}

/** A job's observation (its input's channel, T_OBS and size), or undefined when the file names none or can't be read. */
export async function jobObservation(path: string): Promise<JobObservation | undefined> {
  const found = await observationOf(path).catch(() => undefined);
  return found && { channel: found.channel, time: found.time, width: found.width, height: found.height };
}

/** The primary header, or for a tile-compressed file (empty primary HDU) the table's header after it. */
function observationHeader(bytes: Uint8Array): FitsHeader {
  const primary = readHeaderUnit(bytes, 0, 0);
  if ((primary.header.number('NAXIS') ?? 0) > 0 || primary.header.get('WAVELNTH') !== undefined)
    return primary.header;
  return readHeaderUnit(bytes, primary.dataStart, 1).header;
}

function describe(header: FitsHeader): FileObservation | undefined {
  const channel = header.number('WAVELNTH');
  const time = header.string('T_OBS') ?? header.string('DATE-OBS');
  if (channel === undefined || time === undefined) return undefined;
  // A tile-compressed image gives its size as ZNAXISn (its table's NAXISn are the table's).
  const size = (n: number) => header.number(`ZNAXIS${n}`) ?? header.number(`NAXIS${n}`) ?? 0;
  return { text: `${channel} Å at ${time}`, channel, time, width: size(1), height: size(2) };
}

async function readStart(path: string, length: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
