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
import { MessageChannel } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import { listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_FILES, APP_ROOTS } from '../../electron/appFiles.js';
import { APP_ID, APP_NAME } from '../../electron/appIdentity.js';
import { PREBUILT_KERNELS, readPrebuiltKernels } from '../../main/engine/compute/cpu/prebuiltKernels.js';
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

/** Where the fuse wire lies in Electron's binary (@electron/fuses looks for it). */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE = { DISABLE: '0'.charCodeAt(0), ENABLE: '1'.charCodeAt(0) };
/** The fuse wire of Electron 45's binary: version 1, eight fuses in their shipped states. */
const SHIPPED_FUSES = '10101100'; // RunAsNode on, cookie encryption off, NODE_OPTIONS on, inspect on…

/** Bytes and files under dir. */
function sizeOf(dir: string): number {
  return filesUnder(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}

/** Starts a worker script in this plain Node (no asar support) and waits for its first message. */
function firstMessage(script: string, workerData: unknown, send?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData, transferList: [] });
    worker.once('error', reject);
    worker.once('message', (message: unknown) => {
      resolve(message);
      void worker.terminate();
    });
    if (send !== undefined) worker.postMessage(send);
  });
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
    // The stand-in for Electron's binary: electron-builder copies and renames it, never runs it, and
    // flips the fuses in the wire that follows the sentinel, as in the real binary.
    mkdirSync(electronDist, { recursive: true });
    const wire = Buffer.concat([
      Buffer.from(SENTINEL),
      Buffer.from([1, SHIPPED_FUSES.length]),
      Buffer.from(SHIPPED_FUSES),
    ]);
    writeFileSync(
      executable,
      Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in for Electron"\nexit 0\n#'), wire]),
    );
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

    // Electron's security checklist, as burnt into the packaged executable.
    const fuses = await getCurrentFuseWire(join(appDir, 'aia-studio'));
    const state = (option: FuseV1Options) => fuses[option];
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspect: state(FuseV1Options.EnableNodeCliInspectArguments),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyFromAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      fileProtocolPrivileges: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({
      runAsNode: FUSE.DISABLE,
      nodeOptions: FUSE.DISABLE,
      inspect: FUSE.DISABLE,
      cookieEncryption: FUSE.ENABLE,
      asarIntegrity: FUSE.ENABLE,
      onlyFromAsar: FUSE.ENABLE,
      fileProtocolPrivileges: FUSE.DISABLE,
    });

    // One platform's resources (the asar and what lies unpacked beside it) stay small.
    const resources = join(appDir, 'resources');
    expect(sizeOf(resources), 'bytes of resources/').toBeLessThanOrEqual(40e6);
    const unpacked = join(resources, 'app.asar.unpacked');
    expect(existsSync(join(unpacked, 'node_modules', 'webgpu')), 'webgpu Dawn binaries shipped').toBe(false);

    // Worker threads start from the unpacked copy (compiledSibling), whose loader reads no asar:
    // each worker script loads there with everything it imports, and runs.
    const decoded = await firstMessage(
      join(unpacked, 'dist/main/engine/fits/tileDecodeWorker.js'),
      undefined,
      {
        id: 7,
        bytes: new Uint8Array(new SharedArrayBuffer(2880)),
        hdu: 1,
        out: new Int16Array(new SharedArrayBuffer(8)),
        next: new Int32Array(new SharedArrayBuffer(4)),
        bands: 1,
        rowsPerBand: 1,
      },
    );
    expect(decoded).toMatchObject({ id: 7, failure: { band: expect.any(Number) } });
    const { port1, port2 } = new MessageChannel();
    const relayed = new Promise((resolve) => port1.once('message', resolve));
    const relay = new Worker(join(unpacked, 'dist/main/gpuHost/hostRelay.js'), {
      workerData: { port: port2, signal: new SharedArrayBuffer(4), endpoint: 'ws://127.0.0.1:9/none' },
      transferList: [port2],
    });
    const failedLoad = new Promise((_, reject) => relay.once('error', reject));
    expect(await Promise.race([relayed, failedLoad])).toMatchObject({ error: expect.any(String) });
    await relay.terminate();
    port1.close();

    const asar = join(appDir, 'resources', 'app.asar');
    const listed = new Set(
      listPackage(asar, { isPack: false }).map((p) => p.replaceAll('\\', '/').replace(/^\//, '')),
    );
    const missing = [...files].filter((file) => !listed.has(file));
    expect(missing, 'loaded at run time but not in app.asar').toEqual([]);
    const packaged = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(listed.has('package.json') && packaged.main === 'dist/electron/main.js').toBe(true);
    expect(existsSync(join(unpacked, 'dist/main/engine/fits/tileDecodeWorker.js'))).toBe(true);
    // the kernel module made at build time, fresh beside the packaged engine (prebuiltKernels.ts)
    const engine = 'dist/main/engine/compute/cpu/computeEngine.js';
    expect(listed.has(engine.replace('computeEngine.js', PREBUILT_KERNELS))).toBe(true);
    expect(readPrebuiltKernels(join(unpacked, engine))).not.toBeNull();
    // None of our sources, tests, benchmarks or source maps (packages are electron-builder's choice).
    expect(
      [...listed].filter((f) =>
        /^(test|bench|main|electron|renderer\/src|dist\/bench)\/|^(dist|renderer)\/.*\.map$/.test(f),
      ),
    ).toEqual([]);
  }, 300_000);
});

describe("the installers' configuration", () => {
  const config = readFileSync(join(REPO_ROOT, 'build/electron-builder.yml'), 'utf8');

  it('names the app as the running app does (Windows attributes toasts by this id)', () => {
    expect(config).toMatch(new RegExp(`^appId: ${APP_ID.replaceAll('.', '\\.')}$`, 'm'));
    expect(config).toMatch(new RegExp(`^productName: ${APP_NAME}$`, 'm'));
  });

  it('gives each file extension its own association (the deb makes one MIME glob of each)', () => {
    const extensions = [...config.matchAll(/^\s*- ext: (.+)$/gm)].map((m) => m[1]);
    expect(extensions).toEqual(['fits', 'fts', 'fit', 'fz']);
  });
});
