import { execFile } from 'node:child_process';
import {
  mkdirSync,
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { listPackage } from '@electron/asar';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_FILES, APP_ROOTS } from '../../electron/appFiles.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * electron-builder --dir with a stand-in Electron (no binary can be downloaded here): the app's asar
 * must hold every file the shell loads at run time and everything those import, transitively, down to
 * the production packages. A file the build makes but the package leaves out fails here.
 */
const work = mkdtempSync(join(tmpdir(), 'aia-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BUILTINS = new Set([...builtinModules, 'electron']);
const requireFromRepo = createRequire(join(REPO_ROOT, 'package.json'));

/** Relative and bare specifiers a built JS file imports (static, dynamic, re-exports, require). */
function importsOf(source: string): string[] {
  const found = source.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g,
  );
  return [...found].map((m) => m[2]);
}

/** Files an HTML page loads (src= and href= of its own folder). */
function pageAssets(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="(\.?\/?[^":]+)"/g)].map((m) => m[1]);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/** Every file (relative to the repo) the app needs at run time, from its entry points. */
function runtimeClosure(): Set<string> {
  const files = new Set<string>();
  const pending = [
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).main as string,
    ...Object.values(APP_FILES),
    // The renderer's build output is what its page loads (chunks, CSS, images, fonts).
    ...Object.values(APP_ROOTS).flatMap((root) =>
      filesUnder(join(REPO_ROOT, root)).map((f) => relative(REPO_ROOT, f)),
    ),
  ];
  while (pending.length) {
    const file = pending.pop()!.split('?')[0];
    if (files.has(file)) continue;
    files.add(file);
    const absolute = join(REPO_ROOT, file);
    if (!existsSync(absolute)) continue; // reported as missing from the build below
    const source = /\.(c|m)?js$|\.html$/.test(file) ? readFileSync(absolute, 'utf8') : '';
    const specifiers = file.endsWith('.html') ? pageAssets(source) : importsOf(source);
    // A page's scripts are browser bundles: a bare name in them is text (gpu.js generates code
    // with require('gl') in it), never a module a browser could load.
    const browserCode = Object.values(APP_ROOTS).some((root) => file.startsWith(`${root}/`));
    for (const specifier of specifiers) {
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        pending.push(relative(REPO_ROOT, resolve(dirname(absolute), specifier)));
      } else if (!browserCode && !BUILTINS.has(specifier) && !specifier.startsWith('node:')) {
        files.add(relative(REPO_ROOT, requireFromRepo.resolve(specifier)));
      }
    }
  }
  return files;
}

describe('the installable app', () => {
  it('electron-builder --dir packs an asar with every file the app loads', async () => {
    const files = runtimeClosure();
    const missingFromBuild = [...files].filter((f) => !existsSync(join(REPO_ROOT, f)));
    expect(missingFromBuild, 'imported but not built (run npm run build)').toEqual([]);
    expect(files.has(APP_FILES.servicesEntry) && files.has('dist/electron/servicesHost.js')).toBe(true);
    // The closure reaches down to the engine's compute kernels, through the services.
    expect(files.has('dist/main/engine/compute/cpu/computeEngine.js')).toBe(true);

    const electronDist = join(work, 'electron-dist');
    const executable = join(electronDist, 'electron');
    // The stand-in for Electron's binary: electron-builder copies and renames it, never runs it.
    mkdirSync(electronDist, { recursive: true });
    writeFileSync(executable, '#!/bin/sh\necho "stand-in for Electron"\n');
    chmodSync(executable, 0o755);
    const out = join(work, 'out');
    const cli = join(REPO_ROOT, 'node_modules', 'electron-builder', 'cli.js');
    await promisify(execFile)(
      process.execPath,
      [
        cli,
        '--dir',
        '--linux',
        '--x64',
        '--config',
        'build/electron-builder.yml',
        `-c.electronDist=${electronDist}`,
        `-c.directories.output=${out}`,
      ],
      { cwd: REPO_ROOT, timeout: 240_000, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    const appDir = join(out, 'linux-unpacked');
    expect(existsSync(join(appDir, 'aia-studio')), 'the renamed executable').toBe(true);
    const asar = join(appDir, 'resources', 'app.asar');
    const listed = new Set(
      listPackage(asar, { isPack: false }).map((p) => p.replaceAll('\\', '/').replace(/^\//, '')),
    );
    const missing = [...files].filter((file) => !listed.has(file));
    expect(missing, 'loaded at run time but not in app.asar').toEqual([]);
    const packaged = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(listed.has('package.json') && packaged.main === 'dist/electron/main.js').toBe(true);
    // None of our sources, tests, benchmarks or source maps (packages are electron-builder's choice).
    expect(
      [...listed].filter((f) =>
        /^(test|bench|main|electron|renderer\/src|dist\/bench)\/|^(dist|renderer)\/.*\.map$/.test(f),
      ),
    ).toEqual([]);
  }, 300_000);
});
