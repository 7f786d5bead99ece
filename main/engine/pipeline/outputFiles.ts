import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
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

/** A product written under its temporary name, flushed, waiting for its rename into place. */
export interface StagedFile {
  path: string;
  temporary: string;
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

/** Writes `bytes` (or its parts, one after the other) under a temporary name and flushes it to disk. */
export async function stageFile(path: string, bytes: Uint8Array | Uint8Array[]): Promise<StagedFile> {
  const temporary = temporaryName(path);
  try {
    const file = await open(temporary, 'w');
    try {
      for (const part of Array.isArray(bytes) ? bytes : [bytes]) await file.writeFile(part);
      await file.sync();
    } finally {
      await file.close();
    }
    return { path, temporary };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Renames staged files into place: only now does each product replace what was there. */
export async function commitStaged(files: readonly StagedFile[]): Promise<void> {
  for (const file of files) await rename(file.temporary, file.path);
}

/** Removes staged files that will not be committed (a failure, a cancellation). */
export async function discardStaged(files: readonly StagedFile[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f.temporary, { force: true })));
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
