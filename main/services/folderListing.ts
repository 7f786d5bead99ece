import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InvalidRequestError, type FolderEntry, type FolderListing } from '../contract/index.js';
import { isFitsFileName } from '../engine/pipeline/outputFiles.js';

// Numeric, so frame_2 comes before frame_10 as a scientist expects.
const byName = new Intl.Collator(undefined, { numeric: true }).compare;

/**
 * One folder of the server's file system for web mode's file browser, which cannot use a native
 * dialog: its sub-folders, then the FITS files the queue can take, by name. Hidden entries are left
 * out, and so are entries that can't be stat'ed (a broken link, a file removed meanwhile), so one bad
 * entry does not hide the rest of the folder.
 */
export async function listFolder(path: unknown = homedir()): Promise<FolderListing> {
  // A relative path would be resolved against the server's working folder, which the user never sees.
  if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0'))
    throw new InvalidRequestError('path must be an absolute path on this computer');
  const folder = resolve(path);
  if (!(await stat(folder)).isDirectory()) throw new InvalidRequestError(`not a folder: ${folder}`);
  const found = await Promise.all(
    (await readdir(folder, { withFileTypes: true }))
      .filter((entry) => !entry.name.startsWith('.'))
      .map((entry) => describeEntry(folder, entry)),
  );
  const entries = found
    .filter((e): e is FolderEntry => e !== undefined)
    .sort((a, b) => (a.kind === b.kind ? byName(a.name, b.name) : a.kind === 'folder' ? -1 : 1));
  const parent = dirname(folder);
  return { path: folder, ...(parent !== folder && { parent }), entries };
}

async function describeEntry(folder: string, entry: Dirent): Promise<FolderEntry | undefined> {
  const path = join(folder, entry.name);
  if (entry.isDirectory()) return { name: entry.name, path, kind: 'folder' };
  // A link is shown as what it points to; sockets, devices and pipes not at all.
  const link = entry.isSymbolicLink();
  if (!link && !(entry.isFile() && isFitsFileName(entry.name))) return undefined;
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return { name: entry.name, path, kind: 'folder' };
  return info?.isFile() && isFitsFileName(entry.name)
    ? { name: entry.name, path, kind: 'file', size: info.size }
    : undefined;
}
