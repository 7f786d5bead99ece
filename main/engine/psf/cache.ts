/**
 * On-disk PSF cache. One file per channel and model version:
 *
 *   "AIAPSF01" | u32 LE header length | header JSON (utf-8, space-padded to 8 bytes)
 *   | float64 LE data (height × width) | SHA-256 of everything before it (32 bytes) | "PSFEND01"
 *
 * A file is used only if its size, header (channel, model version, shape, dtype), end tag and
 * SHA-256 all check out; anything else (truncated, corrupted, other version) is rebuilt and replaced
 * atomically (written to a temporary file in the same folder, fsync'ed, renamed over). Values derived
 * from a PSF (derived(): a backend's transfer function) are kept the same way in a file beside it, and
 * can be read straight into their user's memory (derivedOnDemand()).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  fstatSync,
  writeSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';

import { computePsf, PSF_MODEL_VERSION, PSF_SIZE, psfParameters } from './psf.js';

const MAGIC = Buffer.from('AIAPSF01', 'latin1');
const END = Buffer.from('PSFEND01', 'latin1');
const HASH_BYTES = 32;
/** Bytes a file is hashed through when its values are read later (StoredValues). */
const HASH_CHUNK = 1 << 22;

/** The type of a cached file's values, little-endian. */
export type CachedType = 'float32le' | 'float64le';

/** What derived() keeps: a file name part and what the values depend on besides the PSF. */
export interface DerivedValues {
  /** lower-case letters, digits and '-' */
  name: string;
  format: string;
  length: number;
  dtype: CachedType;
}

interface CacheHeader {
  channel: number;
  modelVersion: string;
  width: number;
  height: number;
  dtype: 'float64le';
}

interface DerivedHeader {
  channel: number;
  modelVersion: string;
  derived: string;
  length: number;
  dtype: CachedType;
}

export interface PsfCacheOptions {
  /** defaults to PSF_MODEL_VERSION */
  modelVersion?: string;
  /** how to build a missing PSF; defaults to computePsf */
  compute?: (channel: number, onStep?: PsfBuildStep) => Float64Array;
}

export type PsfCacheOutcome = 'hit' | 'built' | 'rebuilt';

/** Closes the files of StoredValues dropped without close(). */
const openFiles = new FinalizationRegistry<number>((fd) => closeSync(fd));

/**
 * Values of a cache file that verified, not read yet: the file stays open, so what readInto reads is
 * what was verified even if the file is replaced meanwhile. Read into the memory that uses them (e.g. a
 * compute engine's workspace), a 4096² transfer function costs no array of its own (64 MiB a fresh
 * process would touch, then copy).
 */
export class StoredValues {
  private fd: number | null;

  constructor(
    fd: number,
    private readonly start: number,
    readonly length: number,
    readonly dtype: CachedType,
  ) {
    this.fd = fd;
    openFiles.register(this, fd, this);
  }

  /** Reads the values into `into` (`length` values of `dtype`); may be called again. */
  readInto(into: Float32Array | Float64Array): void {
    if (into.length !== this.length || into instanceof Float32Array !== (this.dtype === 'float32le')) {
      throw new RangeError(`StoredValues: ${this.length} ${this.dtype} values, not ${into.length}`);
    }
    if (this.fd === null) throw new Error('StoredValues: closed');
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    if (readFully(this.fd, bytes, this.start) !== bytes.length) {
      throw new Error('StoredValues: the verified file was truncated since');
    }
  }

  close(): void {
    if (this.fd === null) return;
    openFiles.unregister(this);
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Told as a PSF build goes (computePsf's onStep). */
export type PsfBuildStep = (done: number, total: number) => void;

export class PsfCache {
  readonly modelVersion: string;
  private readonly compute: (channel: number, onStep?: PsfBuildStep) => Float64Array;
  /** What the last get() did: 'hit' (valid file), 'built' (no file), 'rebuilt' (bad file replaced). */
  lastOutcome: PsfCacheOutcome | null = null;
  /** What the last derived() did, as lastOutcome for the PSF. */
  lastDerivedOutcome: PsfCacheOutcome | null = null;
  /** Why the last rejected file was rejected. */
  lastRejection: string | null = null;

  constructor(
    readonly dir: string,
    options: PsfCacheOptions = {},
  ) {
    this.modelVersion = options.modelVersion ?? PSF_MODEL_VERSION;
    this.compute = options.compute ?? ((ch, onStep) => computePsf(ch, { onStep }));
  }

  pathFor(channel: number): string {
    const tag = createHash('sha256').update(this.modelVersion).digest('hex').slice(0, 12);
    return join(this.dir, `psf-${channel}-${tag}.bin`);
  }

  /** The PSF of `channel`: from the cache if its file verifies, else computed (told to onStep) and stored. */
  get(channel: number, onStep?: PsfBuildStep): Float64Array {
    psfParameters(channel); // NoPsfModelError before touching the disk
    const path = this.pathFor(channel);
    const found = this.read(channel, path);
    if (found.data) {
      this.lastOutcome = 'hit';
      return found.data;
    }
    const psf = this.compute(channel, onStep);
    this.write(channel, psf);
    this.lastOutcome = found.exists ? 'rebuilt' : 'built';
    return psf;
  }

  /** Read and verify; null data with the reason when the file is absent or unusable. */
  read(channel: number, path = this.pathFor(channel)): { data: Float64Array | null; exists: boolean } {
    const found = readVerified(path, this.psfHeader(channel), PSF_SIZE * PSF_SIZE, 'float64le');
    if (found.rejection) this.lastRejection = found.rejection;
    return { data: found.data as Float64Array | null, exists: found.exists };
  }

  /**
   * Values derived from the channel's PSF (e.g. its transfer function), cached beside it in a file of
   * the same verified, atomic kind, one file per channel and `what.name`: used only when its header
   * matches channel, model version, `what.format` (everything else the values depend on: size,
   * precision, the code and layout that make them), length and type; else made by `make` from the PSF
   * (as get serves it, told to onStep) and stored in its place, so a stale file is replaced, not kept.
   */
  derived<T extends Float32Array | Float64Array>(
    channel: number,
    what: DerivedValues,
    make: (psf: Float64Array) => T,
    onStep?: PsfBuildStep,
  ): T {
    return this.derivedFrom(channel, what, make, onStep, false) as T;
  }

  /**
   * As derived, but values found in the cache are verified and left in their file (StoredValues), for
   * the caller to read where it needs them; values made anew are returned as made.
   */
  derivedOnDemand<T extends Float32Array | Float64Array>(
    channel: number,
    what: DerivedValues,
    make: (psf: Float64Array) => T,
    onStep?: PsfBuildStep,
  ): T | StoredValues {
    return this.derivedFrom(channel, what, make, onStep, true);
  }

  private derivedFrom<T extends Float32Array | Float64Array>(
    channel: number,
    what: DerivedValues,
    make: (psf: Float64Array) => T,
    onStep: PsfBuildStep | undefined,
    onDemand: boolean,
  ): T | StoredValues {
    psfParameters(channel);
    const header: DerivedHeader = {
      channel,
      modelVersion: this.modelVersion,
      derived: what.format,
      length: what.length,
      dtype: what.dtype,
    };
    const path = this.derivedPathFor(channel, what.name);
    const found = readVerified(path, header, what.length, what.dtype, onDemand);
    if (found.data) {
      this.lastDerivedOutcome = 'hit';
      return found.data as T | StoredValues;
    }
    if (found.rejection) this.lastRejection = found.rejection;
    const values = make(this.get(channel, onStep));
    if (values.length !== what.length || values instanceof Float32Array !== (what.dtype === 'float32le')) {
      throw new RangeError(
        `PsfCache.derived: made ${values.length} values, expected ${what.length} ${what.dtype}`,
      );
    }
    writeVerified(this.dir, path, header, values);
    this.lastDerivedOutcome = found.exists ? 'rebuilt' : 'built';
    return values;
  }

  derivedPathFor(channel: number, name: string): string {
    if (!/^[a-z0-9-]+$/.test(name)) throw new RangeError(`PsfCache: derived values' name ${name}`);
    return this.pathFor(channel).replace(/\.bin$/, `-${name}.bin`);
  }

  /** Store atomically (temp file + fsync + rename). */
  write(channel: number, psf: Float64Array): void {
    if (psf.length !== PSF_SIZE * PSF_SIZE) throw new RangeError('PsfCache.write: PSF must be 4096×4096');
    writeVerified(this.dir, this.pathFor(channel), this.psfHeader(channel), psf);
  }

  private psfHeader(channel: number): CacheHeader {
    return {
      channel,
      modelVersion: this.modelVersion,
      width: PSF_SIZE,
      height: PSF_SIZE,
      dtype: 'float64le',
    };
  }
}

/**
 * Reads `path` and verifies it holds `header` (compared whole) and `length` values of `dtype`; data null
 * and the reason when the file is absent or unusable. `onDemand`: the values are hashed through a small
 * buffer and left in the file, kept open (StoredValues).
 */
function readVerified(
  path: string,
  header: object,
  length: number,
  dtype: CachedType,
  onDemand = false,
): { data: Float32Array | Float64Array | StoredValues | null; exists: boolean; rejection?: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { data: null, exists: false };
  }
  const reject = (why: string) => ({ data: null, exists: true, rejection: `${path}: ${why}` });
  // whether the file stays open, for StoredValues
  let kept = false;
  try {
    if (endianness() !== 'LE') return reject('big-endian host');
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(12);
    if (size < 12 || readSync(fd, head, 0, 12, 0) !== 12) return reject('truncated');
    if (!head.subarray(0, 8).equals(MAGIC)) return reject('bad magic');
    const hlen = head.readUInt32LE(8);
    if (hlen > 4096 || 12 + hlen > size) return reject('bad header length');
    const hbuf = Buffer.alloc(hlen);
    readSync(fd, hbuf, 0, hlen, 12);
    let found: unknown;
    try {
      found = JSON.parse(hbuf.toString('utf8'));
    } catch {
      return reject('header is not JSON');
    }
    if (JSON.stringify(found) !== JSON.stringify(header)) {
      return reject('header does not match (channel, model version, shape or dtype)');
    }
    const dataBytes = length * (dtype === 'float32le' ? 4 : 8);
    const start = 12 + hlen;
    if (size !== start + dataBytes + HASH_BYTES + END.length) return reject('wrong size');
    const tail = Buffer.alloc(HASH_BYTES + END.length);
    readSync(fd, tail, 0, tail.length, start + dataBytes);
    if (!tail.subarray(HASH_BYTES).equals(END)) return reject('bad end tag');
    const hash = createHash('sha256').update(head).update(hbuf);
    let values: Float32Array | Float64Array | undefined;
    if (onDemand) {
      const chunk = Buffer.allocUnsafe(Math.min(HASH_CHUNK, dataBytes));
      for (let got = 0; got < dataBytes;) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, dataBytes - got), start + got);
        if (n <= 0) return reject('short read');
        hash.update(chunk.subarray(0, n));
        got += n;
      }
    } else {
      values = dtype === 'float32le' ? new Float32Array(length) : new Float64Array(length);
      const bytes = new Uint8Array(values.buffer);
      if (readFully(fd, bytes, start) !== dataBytes) return reject('short read');
      hash.update(bytes);
    }
    if (!hash.digest().equals(tail.subarray(0, HASH_BYTES))) return reject('SHA-256 mismatch');
    if (values) return { data: values, exists: true };
    kept = true;
    return { data: new StoredValues(fd, start, length, dtype), exists: true };
  } finally {
    if (!kept) closeSync(fd);
  }
}

/** Reads `bytes.length` bytes of `fd` from `position` into `bytes`; returns how many it got. */
function readFully(fd: number, bytes: Uint8Array, position: number): number {
  let got = 0;
  while (got < bytes.length) {
    const n = readSync(fd, bytes, got, Math.min(bytes.length - got, 1 << 26), position + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

/** Writes `header` and `values` to `path` atomically (temp file in the same folder + fsync + rename). */
function writeVerified(dir: string, path: string, header: object, values: Float32Array | Float64Array): void {
  if (endianness() !== 'LE') return;
  mkdirSync(dir, { recursive: true });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((12 + Buffer.byteLength(json)) % 8)) % 8);
  const hbuf = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(12);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(hbuf.length, 8);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const hash = createHash('sha256').update(head).update(hbuf).update(bytes).digest();
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [head, hbuf, bytes, hash, END]) {
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, Math.min(part.length - off, 1 << 26));
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
