/**
 * On-disk PSF cache. One file per channel and model version:
 *
 *   "AIAPSF01" | u32 LE header length | header JSON (utf-8, space-padded to 8 bytes)
 *   | float64 LE data (height × width) | SHA-256 of everything before it (32 bytes) | "PSFEND01"
 *
 * A file is used only if its size, header (channel, model version, shape, dtype), end tag and
 * SHA-256 all check out; anything else (truncated, corrupted, other version) is rebuilt and replaced
 * atomically (written to a temporary file in the same folder, fsync'ed, renamed over).
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

interface CacheHeader {
  channel: number;
  modelVersion: string;
  width: number;
  height: number;
  dtype: 'float64le';
}

export interface PsfCacheOptions {
  /** defaults to PSF_MODEL_VERSION */
  modelVersion?: string;
  /** how to build a missing PSF; defaults to computePsf */
  compute?: (channel: number, onStep?: PsfBuildStep) => Float64Array;
}

export type PsfCacheOutcome = 'hit' | 'built' | 'rebuilt';

/** Told as a PSF build goes (computePsf's onStep). */
export type PsfBuildStep = (done: number, total: number) => void;

export class PsfCache {
  readonly modelVersion: string;
  private readonly compute: (channel: number, onStep?: PsfBuildStep) => Float64Array;
  /** What the last get() did: 'hit' (valid file), 'built' (no file), 'rebuilt' (bad file replaced). */
  lastOutcome: PsfCacheOutcome | null = null;
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
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return { data: null, exists: false };
    }
    const reject = (why: string): { data: null; exists: true } => {
      this.lastRejection = `${path}: ${why}`;
      return { data: null, exists: true };
    };
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
      let header: CacheHeader;
      try {
        header = JSON.parse(hbuf.toString('utf8')) as CacheHeader;
      } catch {
        return reject('header is not JSON');
      }
      if (
        header.channel !== channel ||
        header.modelVersion !== this.modelVersion ||
        header.width !== PSF_SIZE ||
        header.height !== PSF_SIZE ||
        header.dtype !== 'float64le'
      ) {
        return reject('header does not match (channel, model version, shape or dtype)');
      }
      const dataBytes = PSF_SIZE * PSF_SIZE * 8;
      const start = 12 + hlen;
      if (size !== start + dataBytes + HASH_BYTES + END.length) return reject('wrong size');
      const data = new Float64Array(PSF_SIZE * PSF_SIZE);
      const bytes = new Uint8Array(data.buffer);
      let got = 0;
      while (got < dataBytes) {
        const n = readSync(fd, bytes, got, Math.min(dataBytes - got, 1 << 26), start + got);
        if (n <= 0) return reject('short read');
        got += n;
      }
      const tail = Buffer.alloc(HASH_BYTES + END.length);
      readSync(fd, tail, 0, tail.length, start + dataBytes);
      if (!tail.subarray(HASH_BYTES).equals(END)) return reject('bad end tag');
      const hash = createHash('sha256').update(head).update(hbuf).update(bytes).digest();
      if (!hash.equals(tail.subarray(0, HASH_BYTES))) return reject('SHA-256 mismatch');
      return { data, exists: true };
    } finally {
      closeSync(fd);
    }
  }

  /** Store atomically (temp file + fsync + rename). */
  write(channel: number, psf: Float64Array): void {
    if (psf.length !== PSF_SIZE * PSF_SIZE) throw new RangeError('PsfCache.write: PSF must be 4096×4096');
    if (endianness() !== 'LE') return;
    mkdirSync(this.dir, { recursive: true });
    const header: CacheHeader = {
      channel,
      modelVersion: this.modelVersion,
      width: PSF_SIZE,
      height: PSF_SIZE,
      dtype: 'float64le',
    };
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - ((12 + Buffer.byteLength(json)) % 8)) % 8);
    const hbuf = Buffer.from(json, 'utf8');
    const head = Buffer.alloc(12);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(hbuf.length, 8);
    const bytes = new Uint8Array(psf.buffer, psf.byteOffset, psf.byteLength);
    const hash = createHash('sha256').update(head).update(hbuf).update(bytes).digest();
    const path = this.pathFor(channel);
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
}
