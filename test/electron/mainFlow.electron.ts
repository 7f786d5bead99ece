import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';

/**
 * The main user flow in the real desktop app (npm run test:electron, after npm run build): launched
 * with a FITS file on its command line as the OS does for a double-click, the file lands in the Batch
 * view; the batch runs in the services' utility process and its result opens in Compare; the page has
 * the typed API and no Node; the GPU host answers. Needs Electron's binary (npm install downloads it
 * where the network allows).
 */
const SMALL_L1 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
let work: string;
let app: ElectronApplication;
let page: Page;

beforeAll(async () => {
  const executablePath = createRequire(import.meta.url)('electron') as string;
  if (!existsSync(executablePath)) throw new Error(`no Electron binary at ${executablePath}`);
  work = mkdtempSync(join(tmpdir(), 'aia-desktop-'));
  const input = join(work, 'aia_lev1_171a_test.fits');
  copyFileSync(SMALL_L1, input);
  app = await electron.launch({
    executablePath,
    args: [REPO_ROOT, input],
    cwd: work,
    env: { ...process.env, AIA_STUDIO_DATA: join(work, 'data'), AIA_STUDIO_CACHE: join(work, 'cache') },
  });
  page = await app.firstWindow();
  page.on('pageerror', (error) => console.error('page error:', error));
});

afterAll(async () => {
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('AIA Studio desktop', () => {
  it('is sandboxed: the typed API and no Node in the page', async () => {
    expect(page.url()).toBe('app://aia-studio/');
    // Evaluated in the page as text: this file is type-checked for Node, not the DOM.
    const exposed = await page.evaluate(`({
      require: typeof window.require,
      process: typeof window.process,
      api: Object.keys(window.aiaStudio).sort(),
    })`);
    expect(exposed).toEqual({
      require: 'undefined',
      process: 'undefined',
      api: ['desktop', 'invoke', 'onEvent'],
    });
  });

  it('opens the file it was launched with, processes it and compares the levels', async () => {
    const out = join(work, 'out');
    await expect
      .poll(() => page.getByRole('list', { name: 'Selected inputs' }).textContent())
      .toContain('aia_lev1_171a_test.fits');
    await page.getByLabel('Levels').selectOption('1.5');
    await page.getByLabel('Output folder').fill(out);
    await page.getByRole('button', { name: 'Start batch' }).click();
    const done = page.locator('[role=listitem][data-state=done]');
    await done.first().waitFor({ timeout: 120_000 });
    expect(existsSync(join(out, 'aia_lev1_171a_test_lev1.5.fits'))).toBe(true);
    await done.first().getByRole('button', { name: 'Compare' }).click();
    await expect
      .poll(() => page.getByTestId('load-status').textContent(), { timeout: 60_000 })
      .toBe('Full resolution');
  });

  it('refuses to navigate away and reports the GPU host', async () => {
    await page.evaluate(`window.location.href = 'https://example.com/'`);
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/aia-studio\//);
    const gpu = (await page.evaluate('window.aiaStudio.desktop.gpuStatus()')) as { state: string };
    expect(['ready', 'unavailable']).toContain(gpu.state);
  });
});
