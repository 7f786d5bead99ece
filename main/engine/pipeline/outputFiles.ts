import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';

const FITS_SUFFIX = /\.(fits|fts|fit)(\.fz|\.gz)?$|\.fz$/i;

export function isFitsFileName(name: string): boolean {
  return FITS_SUFFIX.test(name);
}

/** The file's name without its folder and its .fits/.fits.fz/.fts ending. */
export function fitsStem(path: string): string {
  return basename(path).replace(FITS_SUFFIX, '');
}

/** DIR/<input name without .fits/.fits.fz/.fts>_lev<level>.fits */
export function outputPath(outputDir: string, inputPath: string, level: string): string {
  return join(outputDir, `${fitsStem(inputPath)}_lev${level}.fits`);
}

/** The products a recipe makes of an input: OUT/<name>_lev<level>.fits per level. */
export function expectedOutputs(
  recipe: { outputDir: string; levels: readonly string[] },
  input: string,
): string[] {
  return recipe.levels.map((level) => outputPath(recipe.outputDir, input, level));
}

/**
 * A product written under its temporary name, waiting for its rename into place; `flushed` settles
 * once it is on disk and closed (rejected when that failed).
 */
export interface StagedFile {
  path: string;
  temporary: string;
  flushed: Promise<void>;
}

/**
 * The temporary name of a product being written: `<product>.<pid>-<8 hex>.partial`, beside it (a
 * rename within one folder is atomic). The writer's pid in the name tells whose it is, so a later run
 * removes the ones a killed process left (partialWriter) and never another's still being written.
 */
function temporaryName(path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
}

/** The pid that wrote this file name, if it is the temporary name of `product` (a file name, no folder). */
export function partialWriter(name: string, product: string): number | undefined {
  if (!name.startsWith(`${product}.`)) return undefined;
  const match = /^(\d+)-[0-9a-f]{8}\.partial$/.exec(name.slice(product.length + 1));
  return match ? Number(match[1]) : undefined;
}

/**
 * Writes `bytes` (or its parts, one after the other) under a temporary name and starts flushing it to
 * disk. Resolves once the bytes are written, so the caller may reuse their memory; the flush goes on
 * meanwhile (commitStaged waits for it), as it needs no more of this thread than its end.
 */
export async function stageFile(path: string, bytes: Uint8Array | Uint8Array[]): Promise<StagedFile> {
  const temporary = temporaryName(path);
  const parts = Array.isArray(bytes) ? bytes : [bytes];
  let file: FileHandle | undefined;
  try {
    file = await writeDirect(temporary, parts);
    if (!file) {
      file = await open(temporary, 'w');
      for (const part of parts) await file.writeFile(part);
    }
  } catch (error) {
    await file?.close().catch(() => undefined); // the write's error is the one to report
    await rm(temporary, { force: true });
    throw error;
  }
  const written = file;
  const flushed = written.sync().finally(() => written.close());
  // commitStaged or discardStaged hears a failure; until then it is not unhandled
  flushed.catch(() => undefined);
  return { path, temporary, flushed };
}

/** Direct writes go from memory aligned to this, in multiples of it: any device's logical block divides it. */
const DIRECT_BLOCK = 4096;
/** Bytes per direct write; a bounce buffer holds two, one filled while the other is written. */
const DIRECT_CHUNK = 1 << 21;
/** Smaller files go through the page cache: their pages cost less than a bounce buffer. */
const DIRECT_MIN_BYTES = 8 << 20;
/** Bounce buffers of the writes that ended, for the next ones (a batch writes one product after another). */
const spareBounces: Uint8Array[] = [];

/**
 * A large file written with O_DIRECT, past the page cache. On Linux here, a buffered write of 64 MB
 * costs ≈ 0.16–0.2 s of kernel CPU the first time a process writes from that memory (a fresh process's
 * one product; 25–35 ms when the same memory is written again), a direct write ≈ 7 ms with the device's
 * DMA from a small buffer, the copy into it included. The parts are copied through an aligned bounce buffer (FITS blocks are 2880 bytes, so
 * no part lies on block boundaries), the last block padded with zeros and the file truncated to its
 * size. Returns the open file, or undefined where direct writes are not to be had (no O_DIRECT, a file
 * system that refuses it, memory it will not take): the caller writes it the ordinary way.
 */
async function writeDirect(temporary: string, parts: readonly Uint8Array[]): Promise<FileHandle | undefined> {
  const size = parts.reduce((sum, part) => sum + part.length, 0);
  const direct = (constants as { O_DIRECT?: number }).O_DIRECT;
  if (direct === undefined || size < DIRECT_MIN_BYTES) return undefined;
  let file: FileHandle;
  try {
    file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | direct, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw error;
  }
  const bounce = spareBounces.pop() ?? alignedBuffer(2 * DIRECT_CHUNK);
  try {
    await writeThrough(file, parts, size, bounce);
    if (size % DIRECT_BLOCK !== 0) await file.truncate(size);
    return file;
  } catch (error) {
    await file.close();
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw error;
  } finally {
    spareBounces.push(bounce);
  }
}

/** `parts` copied into the bounce buffer's halves in turn, each written while the other is filled. */
async function writeThrough(
  file: FileHandle,
  parts: readonly Uint8Array[],
  size: number,
  bounce: Uint8Array,
): Promise<void> {
  let writing: Promise<void> = Promise.resolve();
  let part = 0;
  let inPart = 0;
  for (let at = 0, half = 0; at < size; at += DIRECT_CHUNK, half ^= 1) {
    const chunk = bounce.subarray(half * DIRECT_CHUNK, (half + 1) * DIRECT_CHUNK);
    let filled = 0;
    while (filled < DIRECT_CHUNK && part < parts.length) {
      const n = Math.min(DIRECT_CHUNK - filled, parts[part].length - inPart);
      chunk.set(parts[part].subarray(inPart, inPart + n), filled);
      filled += n;
      inPart += n;
      if (inPart === parts[part].length) [part, inPart] = [part + 1, 0];
    }
    const length = Math.ceil(filled / DIRECT_BLOCK) * DIRECT_BLOCK;
    chunk.fill(0, filled, length);
    await writing;
    writing = writeFully(file, chunk.subarray(0, length), at);
  }
  await writing;
}

async function writeFully(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Zeroed memory aligned to a page, as O_DIRECT needs: a WebAssembly memory's buffer is mapped pages
 * (an ArrayBuffer's is malloc's, 16 bytes past a page).
 */
function alignedBuffer(bytes: number): Uint8Array {
  const wasm = (globalThis as unknown as { WebAssembly: WasmMemoryApi }).WebAssembly;
  return new Uint8Array(new wasm.Memory({ initial: Math.ceil(bytes / 65536) }).buffer, 0, bytes);
}

/** The part of the WebAssembly JS API used here (the Node 20 type definitions do not declare it). */
interface WasmMemoryApi {
  Memory: new (desc: { initial: number }) => { readonly buffer: ArrayBuffer };
}

/**
 * Renames staged files into place once each is on disk: only now does each product replace what was
 * there. Throws when a flush failed (the caller discards them).
 */
export async function commitStaged(files: readonly StagedFile[]): Promise<void> {
  await Promise.all(files.map((file) => file.flushed));
  for (const file of files) await rename(file.temporary, file.path);
}

/** Removes staged files that will not be committed (a failure, a cancellation), once they are closed. */
export async function discardStaged(files: readonly StagedFile[]): Promise<void> {
  await Promise.all(
    files.map((f) => f.flushed.then(undefined, () => undefined).then(() => rm(f.temporary, { force: true }))),
  );
}

/**
 * Writes `bytes` through a temporary name in the same folder, flushes it to disk and renames it into
 * place, so neither a crash, a full disk nor a power cut leaves a partial file under the final name.
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  const staged = await stageFile(path, bytes);
  try {
    await commitStaged([staged]);
  } catch (error) {
    await discardStaged([staged]);
    throw error;
  }
}
