import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The renderer's side of the desktop shell, in Chromium: the page gets `window.aiaStudio` as the
 * preload exposes it (the contract's AppBridge), its commands carried over the local server's HTTP
 * API, and the test plays the shell's part: it sends desktop events and drops desktop files, whose
 * paths the bridge's pathForFile gives (webUtils.getPathForFile in Electron). No DOM glue: the page
 * itself switches views and fills the Batch list.
 */
let work: string;
let services: AppServices;
let server: LocalServer;
let browser: Browser;
let page: Page;

/** The preload's AppBridge, over HTTP; `__desktop` lets the test send the shell's events. */
const BRIDGE = `
  const listeners = {};
  window.__desktop = (event, payload) => listeners[event]?.(payload);
  window.aiaStudio = {
    invoke: async (command, request) => (await fetch('/api/' + command, { method: 'POST', body: JSON.stringify(request ?? {}) })).json(),
    onEvent: () => () => undefined,
    desktop: {
      pathForFile: (file) => '/dropped/' + file.name,
      on: (event, listener) => { listeners[event] = listener; return () => delete listeners[event]; },
      gpuStatus: async () => ({ state: 'not-started' }),
    },
  };`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'aia-desktop-events-'));
  services = await AppServices.open({
    dataDir: join(work, 'data'),
    cacheDir: join(work, 'cache'),
    threads: 1,
  });
  server = await startLocalServer({
    handlers: services.handlers,
    events: services.events,
    staticDir: join(REPO_ROOT, 'renderer/dist'),
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.addInitScript(BRIDGE);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Drops desktop files on the element the selector names, as Chromium delivers a drop from the desktop. */
const dropFiles = (selector: string, names: string[]) =>
  page.evaluate(`(() => {
    const data = new DataTransfer();
    for (const name of ${JSON.stringify(names)}) data.items.add(new File(['SIMPLE'], name));
    const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
    document.querySelector(${JSON.stringify(selector)}).dispatchEvent(drop);
  })()`);

/** What the shell's main process sends the page (webContents.send → preload → the page's listener). */
const sendDesktop = (event: string, payload: unknown) =>
  page.evaluate(`window.__desktop(${JSON.stringify(event)}, ${JSON.stringify(payload)})`);

const selected = () => page.getByRole('list', { name: 'Selected inputs' }).locator('li').allTextContents();

describe('desktop events and drops, handled by the renderer', () => {
  it('shows the view the menu asks for, opens paths in Batch, and takes dropped files anywhere', async () => {
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Batch' }).waitFor();

    await sendDesktop('showView', 'queue');
    await expect
      .poll(() => page.getByRole('tab', { name: 'Queue' }).getAttribute('aria-selected'))
      .toBe('true');

    // File › Open while the Queue view shows: the Batch view opens with the paths.
    await sendDesktop('openPaths', ['/data/a.fits', '/data/day']);
    await expect
      .poll(() => page.getByRole('tab', { name: 'Batch' }).getAttribute('aria-selected'))
      .toBe('true');
    expect((await selected()).map((s) => s.replace('✕', '').trim())).toEqual(['/data/a.fits', '/data/day']);

    // Desktop files dropped on the drop zone, then on the header (anywhere else in the window).
    await dropFiles('section.drop', ['b.fits']);
    await page.getByRole('tab', { name: 'Performance' }).click();
    await dropFiles('header', ['c.fits', 'd.fits']);
    await expect
      .poll(() => page.getByRole('tab', { name: 'Batch' }).getAttribute('aria-selected'))
      .toBe('true');
    expect((await selected()).map((s) => s.replace('✕', '').trim())).toEqual([
      '/data/a.fits',
      '/data/day',
      '/dropped/b.fits',
      '/dropped/c.fits',
      '/dropped/d.fits',
    ]);
  });
});
