import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The app's own folder: the nearest one holding package.json, from the sources or from dist/. */
export function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The compiled module `name` beside the calling module (its `import.meta.url`), for a worker thread to
 * run: beside the caller when it runs from dist/, else the build's twin in dist/ (Vitest runs the
 * TypeScript sources, but a worker thread needs JavaScript, which `npm test` builds first). In the
 * installed desktop app the caller lies in app.asar, which a worker's loader cannot read: the worker
 * starts from the unpacked copy electron-builder leaves beside it (build/electron-builder.yml).
 */
export function compiledSibling(callerUrl: string, name: string): URL {
  const caller = fileURLToPath(callerUrl);
  if (caller.endsWith('.js'))
    return new URL(`./${name}`, callerUrl.replace(/\/app\.asar\//, '/app.asar.unpacked/'));
  const root = appRoot();
  return pathToFileURL(join(root, 'dist', relative(root, dirname(caller)), name));
}

/**
 * Where AIA Studio keeps rebuildable data (PSF cache) outside Electron, by each OS's convention.
 * AIA_STUDIO_CACHE overrides it; the desktop shell may pass Electron's own folder instead.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.AIA_STUDIO_CACHE) return env.AIA_STUDIO_CACHE;
  if (platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'aia-studio', 'Cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'aia-studio');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aia-studio');
}

/**
 * Where AIA Studio keeps what must survive a restart (the job journal, settings, watch folders), by
 * each OS's convention. AIA_STUDIO_DATA overrides it; the desktop shell may pass Electron's userData.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.AIA_STUDIO_DATA) return env.AIA_STUDIO_DATA;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'aia-studio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'aia-studio');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'aia-studio');
}
