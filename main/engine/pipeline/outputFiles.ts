import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

const FITS_SUFFIX = /\.(fits|fts|fit)(\.fz|\.gz)?$|\.fz$/i;

export function isFitsFileName(name: string): boolean {
  return FITS_SUFFIX.test(name);
}

/** DIR/<input name without .fits/.fits.fz/.fts>_lev<level>.fits */
export function outputPath(outputDir: string, inputPath: string, level: string): string {
  return join(outputDir, `${basename(inputPath).replace(FITS_SUFFIX, '')}_lev${level}.fits`);
}

/** The products a recipe makes of an input: OUT/<name>_lev<level>.fits per level. */
export function expectedOutputs(
  recipe: { outputDir: string; levels: readonly string[] },
  input: string,
): string[] {
  return recipe.levels.map((level) => outputPath(recipe.outputDir, input, level));
}

/**
 * Writes `bytes` (or its parts, one after the other) through a temporary name in the same folder,
 * flushes it to disk and renames it into place, so neither a crash, a full disk nor a power cut leaves
 * a partial file under the final name.
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    const file = await open(temporary, 'w');
    try {
      for (const part of Array.isArray(bytes) ? bytes : [bytes]) await file.writeFile(part);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
