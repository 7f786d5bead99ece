import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFitsImageFile, toFloat64 } from '../../main/engine/fits/index.js';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { panesDrawn } from '../helpers/comparePage.js';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';
import { launchChromium, matchScreenshot as matchShot } from '../helpers/webSession.js';

/**
 * Real user flows in Debian's Chromium against web mode: the built renderer (npm run build) served by
 * the app's own local server and services, on real AIA files. WebGL2 runs on SwiftShader (no GPU).
 */
const SMALL_L1 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');

let work: string;
let services: AppServices;
let server: LocalServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'renderer/dist/index.html'))) throw new Error('run npm run build first');
  work = mkdtempSync(join(tmpdir(), 'aia-web-'));
  services = await AppServices.open({
    dataDir: join(work, 'data'),
    cacheDir: join(work, 'cache'),
    threads: 2,
  });
  server = await startLocalServer({
    handlers: services.handlers,
    events: services.events,
    staticDir: join(REPO_ROOT, 'renderer/dist'),
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => console.error('page error:', error));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const matchScreenshot = (name: string, shot: Buffer) => matchShot(page, name, shot);

async function valueAt(level: string): Promise<{ value: number; x: number; y: number }> {
  const row = page.locator(`tr[data-level="${level}"]`);
  return {
    value: Number(await row.locator('.value').textContent()),
    x: Number(await row.locator('.x').textContent()),
    y: Number(await row.locator('.y').textContent()),
  };
}

/**
 * The desktop preload's AppBridge (main/contract/desktop.ts), its commands over the local server's
 * HTTP API; `__desktop` lets the test play the shell sending its events (webContents.send → preload).
 */
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

/** Drops desktop files on the element the selector names, as Chromium delivers a drop from the desktop. */
const dropFiles = (page: Page, selector: string, names: string[]) =>
  page.evaluate(`(() => {
    const data = new DataTransfer();
    for (const name of ${JSON.stringify(names)}) data.items.add(new File(['SIMPLE'], name));
    const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
    document.querySelector(${JSON.stringify(selector)}).dispatchEvent(drop);
  })()`);

/** What the shell's main process sends the page (webContents.send → preload → the page's listener). */
const sendDesktop = (page: Page, event: string, payload: unknown) =>
  page.evaluate(`window.__desktop(${JSON.stringify(event)}, ${JSON.stringify(payload)})`);

const selected = (page: Page) =>
  page
    .getByRole('list', { name: 'Selected inputs' })
    .locator('li')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));

describe('web mode in Chromium', () => {
  it('batch → progress → done and a failed row; compare modes; pixel values match the FITS data', async () => {
    const out = join(work, 'out');
    const bad = join(work, 'download_error.fits');
    writeFileSync(bad, '<html><body>502 Bad Gateway</body></html>\n');

    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Batch' }).click();
    // The server-side file browser: type a folder, open a sub-folder, add a file; then type a path.
    await page.getByLabel('Folder', { exact: true }).fill(dirname(dirname(SMALL_L1)));
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByRole('button', { name: `Open ${basename(dirname(SMALL_L1))}` }).click();
    // Opening a folder keeps the keyboard in its list; the arrow keys move between entries.
    await expect
      .poll(() => page.locator(':focus').getAttribute('aria-label'), { timeout: 10_000 })
      .toMatch(/^Add /);
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => page.locator(':focus').getAttribute('aria-label'), { timeout: 10_000 })
      .toBe(`Add ${basename(SMALL_L1)}`);
    await page.keyboard.press('Enter');
    await page.getByLabel('Paths on this computer').fill(bad);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    expect(await selected(page)).toContain(SMALL_L1);
    await page.getByLabel('Levels').selectOption('1.5');
    await page.getByLabel('Output folder').fill(out);
    // The HTML page saved as .fits is refused as it is added (campaignViews.e2e.test.ts covers the rest)
    // and left out of the batch; submitted anyway (a script, a watch folder), its job fails with the reason.
    await page.locator(`[data-testid=batch-row][data-path="${bad}"][data-state=refused]`).waitFor();
    await page.getByRole('button', { name: /^Start batch/ }).click();
    await services.handlers.submitBatch({ inputs: [bad], recipe: { outputDir: out, levels: ['1.5'] } });

    // The queue view opens; both jobs end, one done and one failed with its reason.
    const done = page.locator('[role=listitem][data-state=done]');
    const failed = page.locator('[role=listitem][data-state=failed]');
    await done.first().waitFor({ timeout: 60_000 });
    await failed.first().waitFor({ timeout: 60_000 });
    expect(await failed.first().locator('.detail').textContent()).toMatch(/FITS|HTML|not/i);
    // Each finished job says which backend ran it, the queue's whole note in its tooltip.
    const backend = done.first().locator('.backend');
    expect(await backend.textContent()).toMatch(/^(cpu|gpu)$/);
    expect(await backend.getAttribute('title')).toMatch(/^backend: (cpu|gpu)/);
    // Each row's fields stay on one line (a wrapped line overlaps the next row, which a 3 % screenshot
    // tolerance can miss): their vertical centres agree.
    for (const row of [done.first(), failed.first()]) {
      const centres = await row
        .locator('.line > *')
        .evaluateAll((fields) =>
          fields.map((f) => f.getBoundingClientRect()).map((r) => r.top + r.height / 2),
        );
      expect(Math.max(...centres) - Math.min(...centres)).toBeLessThan(6);
    }
    expect(await page.getByTestId('throughput').textContent()).toMatch(/2 finished/);

    await done.first().getByRole('button', { name: 'Compare' }).click();
    await expect
      .poll(() => page.getByTestId('load-status').textContent(), { timeout: 60_000 })
      .toBe('Full resolution');

    // Point at a spot on the disk in the first pane (level 1) and read every level there.
    const panes = page.getByTestId('panes');
    const box = (await panes.boundingBox())!;
    await page.mouse.move(box.x + box.width / 4 + 30, box.y + box.height / 2 - 20);
    const level1 = await valueAt('1');
    const level15 = await valueAt('1.5');
    const input = await readFitsImageFile(SMALL_L1);
    const inputData = toFloat64(input, { blank: 'nan' });
    // The readout's pixel is 1-based (FITS convention).
    expect(level1.value).toBeCloseTo(Math.fround(inputData[(level1.y - 1) * input.width + level1.x - 1]), 2);
    const product = await readFitsImageFile(join(out, 'sunpy_test_aia_171_level1_128px_lev1.5.fits'));
    const productData = toFloat64(product, { blank: 'nan' });
    expect(level15.value).toBeCloseTo(productData[(level15.y - 1) * product.width + level15.x - 1], 2);
    expect(await page.getByTestId('world').textContent()).toMatch(/Tx .*″ Ty .*″ · r/);
    await panesDrawn(page);
    await matchScreenshot('compare-side-by-side', await page.screenshot());

    for (const mode of ['Blink', 'Swipe', 'Difference'] as const) {
      await page.getByRole('radio', { name: mode }).click();
      expect(await page.getByRole('radio', { name: mode }).getAttribute('aria-checked')).toBe('true');
    }
    await panesDrawn(page);
    await matchScreenshot('compare-difference', await page.screenshot());
    await page.getByRole('radio', { name: 'Side by side' }).click();

    await page.getByRole('tab', { name: 'Performance' }).click();
    await page.locator('tr[data-stage=register]').waitFor();
    // The repo's bench/history.jsonl as a trend, its target dashed.
    await page.locator('[data-testid=trend] line.target').first().waitFor({ state: 'attached' });

    // Clearing the finished jobs empties the list and the queue's history; the product stays.
    await page.getByRole('tab', { name: 'Queue' }).click();
    await page.getByRole('button', { name: 'Clear finished' }).click();
    await page.getByText('No jobs.').waitFor({ timeout: 10_000 });
    expect((await services.queue.counts()).total).toBe(0);
    expect(existsSync(join(out, 'sunpy_test_aia_171_level1_128px_lev1.5.fits'))).toBe(true);
    expect(await page.getByRole('button', { name: 'Clear finished' }).isDisabled()).toBe(true);
  });

  it('in a desktop window: the renderer takes the shell’s events and dropped files itself', async () => {
    // No DOM glue: the page itself switches views and fills the Batch list, by the files' own paths.
    const page = await browser.newPage();
    await page.addInitScript(BRIDGE);
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Batch' }).waitFor();

    await sendDesktop(page, 'showView', 'queue');
    await expect
      .poll(() => page.getByRole('tab', { name: 'Queue' }).getAttribute('aria-selected'))
      .toBe('true');

    // File › Open while the Queue view shows: the Batch view opens with the paths.
    await sendDesktop(page, 'openPaths', ['/data/a.fits', '/data/day']);
    await expect
      .poll(() => page.getByRole('tab', { name: 'Batch' }).getAttribute('aria-selected'))
      .toBe('true');
    expect(await selected(page)).toEqual(['/data/a.fits', '/data/day']);

    // Desktop files dropped on the drop zone, then on the header (anywhere else in the window).
    await dropFiles(page, 'section.drop', ['b.fits']);
    await page.getByRole('tab', { name: 'Performance' }).click();
    await dropFiles(page, 'header', ['c.fits', 'd.fits']);
    await expect
      .poll(() => page.getByRole('tab', { name: 'Batch' }).getAttribute('aria-selected'))
      .toBe('true');
    expect(await selected(page)).toEqual([
      '/data/a.fits',
      '/data/day',
      '/dropped/b.fits',
      '/dropped/c.fits',
      '/dropped/d.fits',
    ]);
    await page.close();
  });

  it('the Folder box a user is typing in is not overwritten by the listing that arrives meanwhile', async () => {
    // The browser's first listing (the home folder) is held on its way back over the app's WebSocket
    // until the user has clicked into the box: it arrives as they start to type.
    const page = await browser.newPage();
    const { release, arrived } = await holdFirstReply(page, 'listFolder');
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Batch' }).click();
    const box = page.getByLabel('Folder', { exact: true });
    await box.click();
    release();
    await arrived;
    // the listing is shown (its folder has a parent to go up to) while the box keeps the user's hands
    await expect.poll(() => page.getByRole('button', { name: '↑ Up' }).isEnabled()).toBe(true);
    const folder = dirname(SMALL_L1);
    await page.keyboard.type(folder);
    expect(await box.inputValue()).toBe(folder);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByText(basename(SMALL_L1), { exact: true }).waitFor();
    await page.close();
  });

  it('the Settings dialog takes no choice before the settings have arrived, which would overwrite it', async () => {
    const page = await browser.newPage();
    // (the Batch view asks for the settings too, as the page loads: the dialog's own request is held)
    const { arm, release, arrived } = await holdFirstReply(page, 'getSettings', { armed: false });
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Batch' }).waitFor();
    arm();
    await page.getByTestId('open-settings').click();
    const dialog = page.getByTestId('settings-dialog');
    const local = dialog.getByTestId('setting-run-on-local');
    const cluster = dialog.getByTestId('setting-run-on-cluster');
    await local.waitFor();
    expect(await cluster.isDisabled()).toBe(true);
    expect(await dialog.getByTestId('setting-cluster-url').isDisabled()).toBe(true);
    expect(await dialog.getByTestId('setting-apply').isDisabled()).toBe(true);
    release();
    await arrived;
    await expect.poll(() => cluster.isEnabled()).toBe(true);
    expect(await local.isChecked()).toBe(true);
    expect(await dialog.getByTestId('setting-apply').isEnabled()).toBe(true);
    await page.close();
  });
});

/**
 * Holds the app's reply to the first `command` asked once armed (from the start unless `armed` is
 * false, then from `arm()`) on its way back over the page's WebSocket until `release` is called;
 * `arrived` resolves once the page has it.
 */
async function holdFirstReply(
  page: Page,
  command: string,
  { armed = true } = {},
): Promise<{ arm: () => void; release: () => void; arrived: Promise<void> }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let delivered = () => {};
  const arrived = new Promise<void>((resolve) => (delivered = resolve));
  await page.routeWebSocket(/./, (ws) => {
    const app = ws.connectToServer();
    const asked = new Set<number>();
    ws.onMessage((message) => {
      const request = JSON.parse(String(message)) as { id: number; command: string };
      if (armed && request.command === command) asked.add(request.id);
      app.send(message);
    });
    let first = true;
    app.onMessage(async (message) => {
      const { id } = JSON.parse(String(message)) as { id?: number };
      if (first && id !== undefined && asked.has(id)) {
        first = false;
        await held;
        ws.send(message);
        delivered();
        return;
      }
      ws.send(message);
    });
  });
  return { arm: () => (armed = true), release, arrived };
}
