import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Job, QueueCounts } from '../../main/contract/index.js';
import { aboutText, menuTemplate, type MenuActions } from '../../electron/appMenu.js';
import { resolveAppAsset } from '../../electron/appProtocol.js';
import { describeAdapter } from '../../electron/desktopChannels.js';
import { launchPaths } from '../../electron/launchPaths.js';
import { NotificationPolicy } from '../../electron/notifications.js';
import {
  answerRequests,
  ChannelClosedError,
  RequestChannel,
  type PortLike,
} from '../../electron/portChannel.js';
import { RecentItems } from '../../electron/recentItems.js';
import { RestartPolicy } from '../../main/restartPolicy.js';
import { CONTENT_SECURITY_POLICY, isAppUrl } from '../../electron/security.js';
import { fitWindowState } from '../../electron/windowState.js';

function nodePort(port: MessagePort): PortLike {
  return { postMessage: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) };
}

describe('the message channel of the helper processes', () => {
  it('pairs replies with requests, carries float32 pixels, passes events and failures', async () => {
    const { port1, port2 } = new MessageChannel();
    const events: unknown[] = [];
    const asking = new RequestChannel(nodePort(port1), (event, payload) => events.push([event, payload]));
    // 'slow' is answered only after 'fast' has been: the replies come back out of order
    let fastAnswered = () => {};
    const afterFast = new Promise<void>((done) => (fastAnswered = done));
    const answering = answerRequests(nodePort(port2), async (body) => {
      const { op, args } = body as { op: string; args: Float32Array | number };
      if (op === 'slow') await afterFast;
      if (op === 'fail') throw new Error('no adapter');
      return args;
    });
    answering.emit('adapter', { description: 'test' });
    const pixels = new Float32Array([1, NaN, -0, 3.5]);
    const slow = asking.request({ op: 'slow', args: 1 });
    const fast = await asking.request({ op: 'fast', args: 2 });
    fastAnswered();
    const echoed = await asking.request({ op: 'echo', args: pixels });
    expect([await slow, fast]).toEqual([1, 2]);
    expect(echoed).toEqual(pixels);
    await expect(asking.request({ op: 'fail' })).rejects.toThrow('no adapter');
    expect(events).toEqual([['adapter', { description: 'test' }]]);
    port1.close();
  });

  it('fails requests in flight, and later ones, when the peer is gone', async () => {
    const { port1, port2 } = new MessageChannel();
    const asking = new RequestChannel(nodePort(port1));
    let arrived = () => {};
    const received = new Promise<void>((done) => (arrived = done));
    answerRequests(nodePort(port2), () => {
      arrived();
      return new Promise(() => undefined);
    });
    const waiting = asking.request({ op: 'never' });
    await received;
    expect(asking.inFlight).toBe(1);
    asking.close(new ChannelClosedError('the GPU host stopped (crashed)'));
    await expect(waiting).rejects.toThrow('crashed');
    await expect(asking.request({ op: 'again' })).rejects.toBeInstanceOf(ChannelClosedError);
    port1.close();
  });

  it('restarts a crashed helper at most three times a minute', () => {
    const policy = new RestartPolicy();
    expect([0, 1000, 2000].map((t) => policy.crashed(t))).toEqual([true, true, true]);
    expect(policy.crashed(3000)).toBe(false);
    expect(policy.crashed(70_000)).toBe(true);
  });
});

describe('app:// and the content security policy', () => {
  const roots = { renderer: '/app/renderer/dist', gpuHost: '/app/dist/electron/gpu' };

  it('maps app URLs into their roots and nothing outside them', () => {
    expect(resolveAppAsset(roots, 'app://aia-studio/')).toBe(resolve('/app/renderer/dist/index.html'));
    expect(resolveAppAsset(roots, 'app://aia-studio/assets/index-1.js?x=1')).toBe(
      resolve('/app/renderer/dist/assets/index-1.js'),
    );
    expect(resolveAppAsset(roots, 'app://aia-studio/gpu/host.html')).toBe(
      resolve('/app/dist/electron/gpu/host.html'),
    );
    // The URL parser already folds plain dot segments: they stay inside the root.
    expect(resolveAppAsset(roots, 'app://aia-studio/../../etc/passwd')).toBe(
      resolve('/app/renderer/dist/etc/passwd'),
    );
    for (const bad of [
      'app://aia-studio/..%2f..%2fetc%2fpasswd',
      'app://aia-studio/gpu/..%2f..%2fmain.js',
      'app://aia-studio/a%00b',
      'app://aia-studio/%E0%A4%A',
      'app://elsewhere/index.html',
      'file:///etc/passwd',
      'not a url',
    ])
      expect(resolveAppAsset(roots, bad), bad).toBeUndefined();
    expect(isAppUrl('app://aia-studio/index.html')).toBe(true);
    expect(isAppUrl('https://aia-studio/')).toBe(false);
  });

  it('allows no inline or remote script, no eval and no framing', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
  });
});

describe('the desktop glue', () => {
  it('takes the FITS files of a launch, not switches or the app folder', () => {
    expect(
      launchPaths(
        [
          '/opt/AIA Studio/aia-studio',
          '--no-sandbox',
          '.',
          'a.fits',
          '/data/b.fits.fz',
          'c.fts',
          'notes.txt',
        ],
        '/home/me',
      ),
    ).toEqual([join('/home/me', 'a.fits'), '/data/b.fits.fz', join('/home/me', 'c.fts')]);
  });

  it('keeps a saved window where a screen can show it, and its size within the screen', () => {
    const laptop = { x: 0, y: 0, width: 1440, height: 900 };
    const monitor = { x: 1440, y: 0, width: 2560, height: 1440 };
    expect(
      fitWindowState({ x: 1600, y: 100, width: 2000, height: 1200, maximized: true }, [laptop, monitor]),
    ).toEqual({
      x: 1600,
      y: 100,
      width: 2000,
      height: 1200,
      maximized: true,
    });
    // The monitor is unplugged: same size clamped to the laptop, placed by the OS.
    expect(
      fitWindowState({ x: 1600, y: 100, width: 2000, height: 1200, maximized: false }, [laptop]),
    ).toEqual({
      width: 1440,
      height: 900,
      maximized: false,
    });
    expect(fitWindowState('garbage', [laptop])).toEqual({ width: 1400, height: 900, maximized: false });
    expect(fitWindowState({ x: 10, y: -500, width: 100, height: 100 }, [laptop])).toEqual({
      width: 800,
      height: 560,
      maximized: false,
    });
  });

  it('keeps ten recent items, newest first, across restarts', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'aia-recent-')), 'recent.json');
    const recent = await RecentItems.open(file);
    await recent.add(Array.from({ length: 12 }, (_, i) => `/data/f${i}.fits`));
    await recent.add(['/data/f5.fits']);
    const again = await RecentItems.open(file);
    expect(again.items).toHaveLength(10);
    expect(again.items.slice(0, 3)).toEqual(['/data/f5.fits', '/data/f11.fits', '/data/f10.fits']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(again.items);
  });

  it('notifies once when a batch runs dry, and gathers watched files into one notice', () => {
    const policy = new NotificationPolicy();
    const job = (source: string, path: string) => ({ source, input: { path } }) as Job;
    const counts = (queued: number, running: number) => ({ queued, running }) as QueueCounts;
    expect(policy.onEvent('jobDone', job('batch', '/d/a.fits'))).toBeUndefined();
    expect(policy.onEvent('queueProgress', counts(1, 1))).toBeUndefined();
    policy.onEvent('jobFailed', job('batch', '/d/b.fits'));
    policy.onEvent('jobDone', job('batch', '/d/c.fits'));
    expect(policy.onEvent('queueProgress', counts(0, 0))).toEqual({
      title: 'Batch finished with failures',
      body: '2 files processed, 1 failed.',
    });
    expect(policy.onEvent('queueProgress', counts(0, 0))).toBeUndefined();
    policy.onEvent('jobDone', job('watch-1', '/w/x.fits'));
    expect(policy.watchedPending).toBe(true);
    expect(policy.takeWatched()).toEqual({ title: 'New file processed', body: 'x.fits' });
    for (const name of ['p.fits', 'q.fits', 'r.fits'])
      policy.onEvent('jobDone', job('watch-1', `/w/${name}`));
    expect(policy.takeWatched()?.body).toBe('3 new files processed (last: r.fits).');
    expect(policy.takeWatched()).toBeUndefined();
  });

  it('builds the menu: files, recent items, views, help with versions and the GPU', () => {
    const calls: string[] = [];
    const actions = new Proxy({} as MenuActions, {
      get:
        (_t, name) =>
        (...args: unknown[]) =>
          calls.push([String(name), ...args].join(' ')),
    });
    const template = menuTemplate({
      platform: 'linux',
      appName: 'AIA Studio',
      recent: ['/data/a.fits'],
      development: false,
      actions,
    });
    const labels = (items: typeof template): string[] =>
      items.flatMap((item) => [
        item.label ?? item.role ?? '',
        ...(Array.isArray(item.submenu) ? labels(item.submenu) : []),
      ]);
    expect(labels(template)).toEqual(
      expect.arrayContaining([
        'Open Files…',
        'Open Folder…',
        'Open Recent',
        'a.fits',
        'Add Watch Folder…',
        'Batch',
        'Queue',
        'Watch',
        'Compare',
        'Performance',
        'About AIA Studio',
        'GPU Adapter…',
        'Settings…',
      ]),
    );
    expect(labels(template)).not.toContain('toggleDevTools');
    const find = (items: typeof template, label: string): (typeof template)[number] | undefined =>
      items
        .map((i) => (i.label === label ? i : Array.isArray(i.submenu) ? find(i.submenu, label) : undefined))
        .find(Boolean);
    const click = (label: string) => (find(template, label)?.click as () => void)();
    ['a.fits', 'Compare', 'Open Files…', 'Settings…'].forEach(click);
    expect(calls).toEqual(['openRecent /data/a.fits', 'showView compare', 'openFiles', 'settings']);
    expect(find(template, 'Settings…')).toMatchObject({ accelerator: 'CmdOrCtrl+,' });
    expect(find(template, 'Queue')).toMatchObject({ accelerator: 'Alt+2', registerAccelerator: false });
    expect(find(template, 'Watch')).toMatchObject({ accelerator: 'Alt+3', registerAccelerator: false });
    const text = aboutText(
      { app: '0.1.0', electron: '45.4.1', chrome: '142.0', node: '22.20.0', v8: '14.2' },
      describeAdapter({
        state: 'ready',
        adapter: {
          mode: 'webgpu',
          software: false,
          vendor: 'nvidia',
          architecture: 'hopper',
          device: '',
          description: 'NVIDIA H100',
          features: [],
          limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 1 },
        },
      }),
    );
    expect(text).toMatch(
      /AIA Studio 0\.1\.0[\s\S]*Electron 45\.4\.1[\s\S]*Node\.js 22\.20\.0[\s\S]*GPU: NVIDIA H100 \(WebGPU\)/,
    );
    const emulated = {
      mode: 'webgl2',
      software: true,
      vendor: 'Google',
      architecture: '',
      device: '',
    } as const;
    const limits = { maxBufferSize: 1, maxStorageBufferBindingSize: 1 };
    expect(
      describeAdapter({
        state: 'ready',
        adapter: { ...emulated, description: 'SwiftShader', features: [], limits },
      }),
    ).toBe('SwiftShader (WebGL2, software emulation: no speed-up)');
  });
});
