import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFitsFileName } from '../main/engine/pipeline/outputFiles.js';

/**
 * The FITS files a launch names: the OS passes a double-clicked file on the command line (Windows as
 * a path, a Linux desktop entry's %U as a file:// URI with %20 for spaces), as does a second launch
 * forwarded to the running app. Switches, the executable, non-file URIs and, in development, the
 * app's folder (`electron .`) are not files to open: only FITS names are taken.
 */
export function launchPaths(argv: string[], cwd: string): string[] {
  return argv
    .slice(1)
    .filter((arg) => !arg.startsWith('-'))
    .map((arg) => localPath(arg, cwd))
    .filter((path): path is string => path !== undefined && isFitsFileName(basename(path)));
}

function localPath(arg: string, cwd: string): string | undefined {
  // A drive letter (C:\…) is a path, not a URI scheme.
  if (!/^[a-z][a-z0-9+.-]+:/i.test(arg)) return resolve(cwd, arg);
  if (!/^file:/i.test(arg)) return undefined;
  try {
    return fileURLToPath(arg);
  } catch {
    return undefined; // file://otherhost/… on POSIX: not a local file
  }
}
