/** Shared helpers of the FITS codec tests: fixture paths, astropy expectations, hashing, the astropy checker. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBinTable, readDescriptor } from '../../main/engine/fits/binTable.js';
import { iterateHdus } from '../../main/engine/fits/hduLayout.js';
import { PYTHON, runPython } from '../helpers/childProcess.js';
import { sharedData } from '../helpers/paths.js';

export { PYTHON };

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', 'fixtures', 'fits');
export const AIA_DATA = sharedData();

export interface Expected {
  hdu: number;
  dtype: string;
  shape: [number, number];
  nan: number;
  sha256: string;
  sha256Float64: string;
  samples: [number, number, number | null][];
  headers: number;
  values?: Record<string, string | number | boolean | null>;
  keys?: string;
}

export interface ExpectedFile {
  astropy: string;
  fixtures: Record<string, Expected>;
  aia: Record<string, Expected>;
}

export function loadExpected(): ExpectedFile {
  return JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as ExpectedFile;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function sha256(array: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength))
    .digest('hex');
}

/** The values as little-endian float64 with every NaN in its canonical bit pattern, hashed. */
export function sha256Float64(values: ArrayLike<number | bigint>): string {
  const out = new Float64Array(values.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (Number.isNaN(v)) {
      words[2 * i] = 0;
      words[2 * i + 1] = 0x7ff80000;
    } else out[i] = v;
  }
  return sha256(out);
}

/** Where the bytes of tile `row` (0-based) of the compressed HDU are, and where its descriptor is. */
export function tile(bytes: Uint8Array, row: number): { start: number; length: number; descriptor: number } {
  const hdu = [...iterateHdus(bytes)][1];
  const table = parseBinTable(bytes, hdu);
  const d = readDescriptor(table, table.columns[0], row);
  return { start: d.start, length: d.length, descriptor: hdu.dataStart + row * table.rowLength };
}

/** numpy's name for the dtype of a typed array. */
export function dtypeName(array: ArrayBufferView): string {
  const names: Record<string, string> = {
    Uint8Array: 'uint8',
    Int16Array: 'int16',
    Uint16Array: 'uint16',
    Int32Array: 'int32',
    Uint32Array: 'uint32',
    BigInt64Array: 'int64',
    Float32Array: 'float32',
    Float64Array: 'float64',
  };
  return names[array.constructor.name] ?? array.constructor.name;
}

let astropyChecked = false;
/**
 * Fails the calling test, saying what to install, where Debian's python3 with astropy is missing (CI
 * installs it: .ci/run); the tests that compare with astropy never skip.
 */
export function requireAstropy(): void {
  if (astropyChecked) return;
  const found =
    existsSync(PYTHON) &&
    spawnSync(PYTHON, ['-c', 'import astropy.io.fits'], { stdio: 'ignore' }).status === 0;
  if (!found)
    throw new Error(`astropy not found for ${PYTHON}: apt-get install python3-astropy (as .ci/run does)`);
  astropyChecked = true;
}

export interface AstropyReport {
  verify: string;
  checksums: { index: number; checksum: number; datasum: number }[];
  image?: { hdu: number; dtype: string; shape: number[]; nan: number; sha256: string };
  header?: [string, string | number | boolean | null][];
}

/** Runs test/fits/astropy_check.py on a file; with `dump`, astropy's data are written there as raw bytes. */
export async function astropyReport(path: string, dump?: string): Promise<AstropyReport> {
  const args = [join(here, 'astropy_check.py'), path, ...(dump ? [dump] : [])];
  const run = await runPython(args);
  if (run.status !== 0) throw new Error(`astropy_check.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as AstropyReport;
}
