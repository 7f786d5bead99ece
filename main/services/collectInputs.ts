import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isFitsFileName } from '../engine/pipeline/outputFiles.js';

/**
 * Expands the command line's files and folders into the list of files to process, each file once
 * (`dir`, `dir/a.fits` and `dir/./a.fits` name one file: the first naming wins). Files named explicitly
 * are kept whatever their name or kind, and so are FITS-named entries of a folder that are not folders
 * (symbolic links are followed, as watch follows them): a FIFO, a device or a symbolic link loop then
 * fails as its own job with a message saying what it is, instead of being skipped or read forever.
 */
export async function collectInputs(paths: string[], recursive: boolean): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const keep = async (path: string) => {
    // A path that does not resolve (a loop, a dangling link) is kept by its absolute name: it fails later.
    const identity = await realpath(path).catch(() => resolve(path));
    if (seen.has(identity)) return;
    seen.add(identity);
    files.push(path);
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) for (const file of await fitsFilesIn(path, recursive)) await keep(file);
    else await keep(path);
  }
  return files;
}

async function fitsFilesIn(dir: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    // a symbolic link is what it points to; one that loops or dangles is an input that will fail
    const isDirectory = entry.isSymbolicLink()
      ? ((await stat(path).catch(() => undefined))?.isDirectory() ?? false)
      : entry.isDirectory();
    if (isDirectory) {
      // links to folders are not descended: a link to an ancestor would recurse forever
      if (recursive && !entry.isSymbolicLink()) found.push(...(await fitsFilesIn(path, true)));
    } else if (isFitsFileName(entry.name)) found.push(path);
  }
  return found;
}
