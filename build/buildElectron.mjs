// Builds the desktop shell into dist/electron (type-checking is `npm run typecheck`'s job):
// - main-process modules as ES modules, one file per source, importing dist/main as compiled by tsc;
// - each preload as one CommonJS file (a sandboxed preload can require nothing but 'electron');
// - the utility process's CommonJS entry (with the message format it reports a failed load in);
// - the GPU host page (resources/gpu-host, with gpu.js and main/engine/compute/gpu/protocol.ts
//   bundled in) into dist/electron/gpu, which both the Electron hidden window (app://aia-studio/gpu/)
//   and the CLI's headless Chromium load.
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const out = 'dist/electron';
const NOT_MAIN = new Set(['preload.ts', 'gpuHostPreload.ts', 'servicesBootstrap.ts']);
const main = (await readdir('electron')).filter((f) => f.endsWith('.ts') && !NOT_MAIN.has(f));
const common = { platform: 'node', target: 'node20', logLevel: 'warning' };

await build({ ...common, entryPoints: main.map((f) => join('electron', f)), outdir: out, format: 'esm' });
await build({
  ...common,
  entryPoints: ['electron/servicesBootstrap.ts'],
  outfile: `${out}/servicesBootstrap.cjs`,
  format: 'cjs',
  // portChannel's few lines go in; the services' ES module stays a file of its own, imported.
  bundle: true,
  external: ['./servicesHost.js'],
});
for (const name of ['preload', 'gpuHostPreload']) {
  const outfile = `${out}/${name}.cjs`;
  const { warnings } = await build({
    ...common,
    target: 'chrome130',
    entryPoints: [`electron/${name}.ts`],
    outfile,
    bundle: true,
    format: 'cjs',
    external: ['electron'],
  });
  // A warning here has meant the preload's graph reached implementation (the engine's import.meta).
  if (warnings.length)
    throw new Error(`${outfile}: ${warnings.length} warning(s); a preload bundles the contract only`);
  const required = [...(await readFile(outfile, 'utf8')).matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  const refused = required.filter((module) => module !== 'electron');
  if (refused.length)
    throw new Error(`${outfile} requires ${refused.join(', ')}: a sandboxed preload cannot`);
}
await rm(`${out}/gpu`, { recursive: true, force: true });
await build({
  entryPoints: ['resources/gpu-host/gpuHost.ts'],
  outfile: `${out}/gpu/gpuHost.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome130',
  // Not minified: gpu.js translates each kernel function from its source text.
  minify: false,
  logLevel: 'warning',
});
await mkdir(`${out}/gpu`, { recursive: true });
await copyFile('resources/gpu-host/host.html', `${out}/gpu/host.html`);
