/**
 * The desktop shell's decisions that no Electron binary is needed to check: what a launch opens,
 * which Chromium switches a session gets, which windows keep the app open and what an open request
 * does, how the GPU host's greeting crosses a message port, and where a worker thread starts from in
 * the installed app.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { appRoot, compiledSibling } from '../../main/appPaths.js';
import { encodeMessage, ERROR, OP, type AdapterReport } from '../../main/engine/compute/gpu/protocol.js';
import { chromiumSetup, runsOnWayland } from '../../electron/chromiumSwitches.js';
import { greetingStatus, portMessageBytes } from '../../electron/gpuPortLink.js';
import { launchPaths } from '../../electron/launchPaths.js';
import {
  afterWindowClosed,
  filesWaitingOnQuit,
  onOpenRequest,
  userWindows,
} from '../../electron/windowLifecycle.js';
import { saveWindowState } from '../../electron/windowState.js';

const work = mkdtempSync(join(tmpdir(), 'aia-desktop-lifecycle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('what a launch opens', () => {
  it("takes a Linux desktop entry's file:// URIs as the files they name, spaces and all", () => {
    expect(
      launchPaths(
        [
          '/opt/AIA Studio/aia-studio',
          'file:///home/me/AIA%20data/aia_lev1_171a.fits',
          'file:///data/%C3%A9t%C3%A9/b.fits.fz',
          'FILE:///data/upper.fts',
          'file://otherhost/share/c.fits',
          'https://example.com/d.fits',
          'file:///home/me/notes.txt',
        ],
        '/home/me',
      ),
    ).toEqual(['/home/me/AIA data/aia_lev1_171a.fits', '/data/été/b.fits.fz', '/data/upper.fts']);
  });

  it('still resolves plain paths against the launching folder', () => {
    expect(launchPaths(['aia-studio', 'sub dir/a.fits', '/abs/b.fit'], '/home/me')).toEqual([
      '/home/me/sub dir/a.fits',
      '/abs/b.fit',
    ]);
  });
});

describe('Chromium switches before ready', () => {
  const x11 = { DISPLAY: ':0', XDG_SESSION_TYPE: 'x11' };
  const wayland = { WAYLAND_DISPLAY: 'wayland-0', XDG_SESSION_TYPE: 'wayland', DISPLAY: ':0' };

  it('turns WebGPU on for Linux, with Vulkan only where ozone runs on X11', () => {
    expect(chromiumSetup('linux', x11, ['aia-studio']).switches).toEqual([
      ['enable-unsafe-webgpu'],
      ['enable-features', 'Vulkan'],
    ]);
    expect(chromiumSetup('linux', wayland, ['aia-studio']).switches).toEqual([['enable-unsafe-webgpu']]);
    // The user forced X11 (XWayland): Vulkan works there.
    expect(chromiumSetup('linux', wayland, ['aia-studio', '--ozone-platform=x11']).switches).toContainEqual([
      'enable-features',
      'Vulkan',
    ]);
  });

  it('reads the ozone platform from the switch, the hint and the session', () => {
    expect(runsOnWayland(x11, [])).toBe(false);
    expect(runsOnWayland(wayland, [])).toBe(true);
    expect(runsOnWayland(wayland, ['--ozone-platform-hint=x11'])).toBe(false);
    expect(runsOnWayland({ ...wayland, ELECTRON_OZONE_PLATFORM_HINT: 'x11' }, [])).toBe(false);
    expect(runsOnWayland(x11, ['--ozone-platform=wayland'])).toBe(true);
  });

  it('leaves Windows and macOS on their WebGPU defaults', () => {
    for (const platform of ['win32', 'darwin'] as const)
      expect(chromiumSetup(platform, {}, [])).toEqual({ disableHardwareAcceleration: false, switches: [] });
  });

  it('keeps WebGL2 for Compare when the user turns the GPU off (SwiftShader, asked for)', () => {
    expect(chromiumSetup('linux', { ...x11, AIA_STUDIO_DISABLE_GPU: '1' }, [])).toEqual({
      disableHardwareAcceleration: true,
      switches: [['enable-unsafe-swiftshader']],
    });
  });
});

describe('window lifecycle', () => {
  const gpuHost = { role: 'gpu-host' as const };
  const main = { role: 'main' as const };

  it("does not count the GPU host's hidden window as the user's", () => {
    expect(userWindows([gpuHost, main, gpuHost])).toEqual([main]);
  });

  it('quits with the last user window on Windows and Linux, stays in the Dock on macOS', () => {
    expect(afterWindowClosed('linux', [gpuHost])).toBe('quit');
    expect(afterWindowClosed('win32', [])).toBe('quit');
    expect(afterWindowClosed('darwin', [gpuHost])).toBe('stay');
    expect(afterWindowClosed('linux', [gpuHost, main])).toBe('stay');
  });

  it('opens a window for files when there is none, shows a hidden one, waits for a loading one', () => {
    expect(onOpenRequest(false, 'none', 'running')).toEqual({
      window: 'wait',
      paths: 'hold',
      cancelQuit: false,
    });
    expect(onOpenRequest(true, 'none', 'running')).toEqual({
      window: 'create',
      paths: 'hold',
      cancelQuit: false,
    });
    expect(onOpenRequest(true, 'loading', 'running')).toEqual({
      window: 'wait',
      paths: 'hold',
      cancelQuit: false,
    });
    expect(onOpenRequest(true, 'hidden', 'running')).toEqual({
      window: 'show',
      paths: 'send',
      cancelQuit: false,
    });
    expect(onOpenRequest(true, 'shown', 'running')).toEqual({
      window: 'focus',
      paths: 'send',
      cancelQuit: false,
    });
  });

  it('takes back "finish the queue, then quit" when the user opens a file meanwhile', () => {
    expect(onOpenRequest(true, 'hidden', 'finishing')).toEqual({
      window: 'show',
      paths: 'send',
      cancelQuit: true,
    });
    // On Linux the window was closed, not hidden: a new one opens.
    expect(onOpenRequest(true, 'none', 'finishing')).toEqual({
      window: 'create',
      paths: 'hold',
      cancelQuit: true,
    });
    expect(onOpenRequest(true, 'shown', 'closing').window).toBe('wait');
  });

  it('asks about quitting only for files waiting on this computer, not on a cluster', () => {
    const counts = { running: 1, queued: 4, paused: false };
    expect(filesWaitingOnQuit(counts, undefined)).toBe(5);
    expect(filesWaitingOnQuit({ ...counts, paused: true }, undefined)).toBe(1);
    expect(filesWaitingOnQuit(counts, 'redis://cluster:6379')).toBe(0);
    expect(filesWaitingOnQuit(undefined, undefined)).toBe(0);
  });

  it('writes the window state before returning (Cmd+Q may exit right after close)', () => {
    const file = join(work, 'window-state.json');
    saveWindowState(file, { x: 10, y: 20, width: 900, height: 700, maximized: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      x: 10,
      y: 20,
      width: 900,
      height: 700,
      maximized: true,
    });
    saveWindowState(join(work, 'missing-folder', 'state.json'), {
      width: 900,
      height: 700,
      maximized: false,
    });
  });
});

describe("the GPU host's greeting over a message port", () => {
  const adapter: AdapterReport = {
    mode: 'webgpu',
    software: true,
    description: 'SwiftShader Device (Subzero)',
    vendor: 'google',
    architecture: 'swiftshader',
    device: 'subzero',
    features: ['timestamp-query'],
    limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxTextureSize: 8192 },
  };
  const text = (s: string) => new TextEncoder().encode(s);

  /** Posts as the page now does, without a transfer list, and returns what the other end got. */
  async function postedOnce(message: ArrayBuffer): Promise<unknown> {
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<unknown>((resolve) => port2.once('message', resolve));
    port1.postMessage(message);
    const data = await received;
    port1.close();
    return data;
  }

  it('arrives whole without a transfer list and decodes to the adapter', async () => {
    const hello = encodeMessage(
      OP.hello,
      0,
      [1, 1],
      [text('webgpu: SwiftShader'), text(JSON.stringify(adapter))],
    );
    const data = await postedOnce(hello);
    // The sender keeps its buffer (nothing was detached) and the receiver has a copy of every byte.
    expect(hello.byteLength).toBeGreaterThan(0);
    const bytes = portMessageBytes(data);
    expect(new Uint8Array(bytes)).toEqual(new Uint8Array(hello));
    const status = greetingStatus(bytes);
    expect(status).toEqual({
      state: 'ready',
      adapter: {
        mode: 'webgpu',
        software: true,
        vendor: 'google',
        architecture: 'swiftshader',
        device: 'subzero',
        description: 'SwiftShader Device (Subzero)',
        features: ['timestamp-query'],
        limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728 },
      },
    });
  });

  it('says why there is no GPU when the page has none', async () => {
    const refusal = encodeMessage(
      OP.error,
      0,
      [ERROR.failed],
      [text('no GPU for the host page: no adapter')],
    );
    expect(greetingStatus(portMessageBytes(await postedOnce(refusal)))).toEqual({
      state: 'unavailable',
      reason: 'no GPU for the host page: no adapter',
    });
  });

  it('takes a typed view as exactly its bytes and refuses what is not bytes', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    expect(new Uint8Array(portMessageBytes(backing.subarray(2, 5)))).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => portMessageBytes('hello')).toThrow('sent string, not bytes');
    expect(() => portMessageBytes(null)).toThrow('sent null, not bytes');
  });

  it('refuses an empty or foreign first message instead of hanging on it', () => {
    expect(() => greetingStatus(encodeMessage(OP.releaseTransfer, 0, [], []))).toThrow('not hello');
    expect(() => greetingStatus(new ArrayBuffer(0))).toThrow();
  });
});

describe('worker threads in the installed app', () => {
  it('start from the unpacked copy beside app.asar, which a worker can read', () => {
    const caller = 'file:///opt/AIA%20Studio/resources/app.asar/dist/main/engine/fits/tileDecodePool.js';
    expect(fileURLToPath(compiledSibling(caller, 'tileDecodeWorker.js'))).toBe(
      '/opt/AIA Studio/resources/app.asar.unpacked/dist/main/engine/fits/tileDecodeWorker.js',
    );
    const dev = 'file:///repo/dist/main/engine/fits/tileDecodePool.js';
    expect(fileURLToPath(compiledSibling(dev, 'tileDecodeWorker.js'))).toBe(
      '/repo/dist/main/engine/fits/tileDecodeWorker.js',
    );
  });
});

describe("the services' entry", () => {
  it('tells the shell why the services cannot load, and ends, instead of leaving a process that never answers', async () => {
    // The built entry alone, as in a package that lost servicesHost.js; Electron's parentPort is
    // stood in for by one that prints what the shell would receive.
    const dir = join(work, 'entry-without-services');
    mkdirSync(dir);
    copyFileSync(join(appRoot(), 'dist/electron/servicesBootstrap.cjs'), join(dir, 'servicesBootstrap.cjs'));
    const parentPort = join(dir, 'parentPort.cjs');
    writeFileSync(
      parentPort,
      'process.parentPort = { postMessage: (m) => process.stdout.write(JSON.stringify(m) + "\\n") };\n',
    );
    const run = promisify(execFile)(process.execPath, ['-r', parentPort, join(dir, 'servicesBootstrap.cjs')]);
    const failure = (await run.then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    )) as { code: number; stdout: string };
    expect(failure.code).toBe(1);
    const said = JSON.parse(failure.stdout.trim()) as { kind: string; event: string; payload: string };
    expect(said).toMatchObject({ kind: 'event', event: '$fatal' });
    expect(said.payload).toMatch(/^the services could not load: .*servicesHost\.js/);
  });
});
