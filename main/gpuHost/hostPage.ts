import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { appRoot } from '../appPaths.js';

/**
 * Where the GPU host page is built: resources/gpu-host's TypeScript bundled with gpu.js and the
 * protocol by build/buildElectron.mjs. One build for both hosts: the Electron hidden window loads it
 * from app://aia-studio/gpu/, the CLI's relay serves it to headless Chromium.
 */
export const HOST_PAGE_DIR = join('dist', 'electron', 'gpu');

/**
 * The GPU host page's files by the name the page asks for; Spector.js (developer capture) where the
 * spectorjs package is installed.
 */
export function hostPageFiles(): Map<string, string> {
  const folder = join(appRoot(), HOST_PAGE_DIR);
  if (!existsSync(join(folder, 'gpuHost.js')))
    throw new Error(`the GPU host page is not built (${folder}/gpuHost.js): run npm run build`);
  const files = new Map([
    ['host.html', join(folder, 'host.html')],
    ['gpuHost.js', join(folder, 'gpuHost.js')],
  ]);
  try {
    files.set('spector.bundle.js', createRequire(import.meta.url).resolve('spectorjs'));
  } catch {
    // no developer capture without the package; the page says so if asked for one
  }
  return files;
}
