import { randomBytes } from 'node:crypto';
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
  let file: FileHandle | undefined;
  try {
    file = await open(temporary, 'w');
    for (const part of Array.isArray(bytes) ? bytes : [bytes]) await file.writeFile(part);
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
