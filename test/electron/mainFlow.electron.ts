import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';

/**
 * The desktop app itself (npm run test:electron, after npm run build), as a user meets it: a first
 * start with no saved state, launched with a FITS file as a Linux file manager passes it (a file://
 * URI, spaces as %20); the file lands in the Batch view, runs in the services' utility process and
 * opens in Compare; a second launch hands its file over and ends; the GPU status settles; closing the
 * window ends the app (Windows, Linux); quitting with work queued loses none of it. Needs Electron's
 * binary (npm install downloads it where the network allows).
 */
const SMALL_L1 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const executablePath = createRequire(import.meta.url)('electron') as string;
let work: string;

beforeAll(() => {
  if (!existsSync(executablePath)) throw new Error(`no Electron binary at ${executablePath}`);
  work = mkdtempSync(join(tmpdir(), 'aia-desktop-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of the small level-1 file under name, in a folder with a space in its name. */
function inputFile(name: string): string {
  const dir = join(work, 'AIA inputs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  copyFileSync(SMALL_L1, path);
  return path;
}

function appEnv(profile: string): Record<string, string> {
  const inherited = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined);
  return {
    ...Object.fromEntries(inherited),
    AIA_STUDIO_DATA: join(work, profile, 'data'),
    AIA_STUDIO_CACHE: join(work, profile, 'cache'),
  };
}

async function launch(profile: string, files: string[]): Promise<{ app: ElectronApplication; page: Page }> {
  const app = await electron.launch({
    executablePath,
    args: [REPO_ROOT, ...files],
    cwd: work,
    env: appEnv(profile),
  });
  const page = await app.firstWindow();
  page.on('pageerror', (error) => console.error('page error:', error));
  return { app, page };
}

/** Resolves with the exit code once the app's process has ended. */
function exited(app: ElectronApplication): Promise<number | null> {
  const child = app.process();
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const selectedInputs = (page: Page) => page.getByRole('list', { name: 'Selected inputs' }).textContent();

describe('AIA Studio desktop, first start', () => {
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    // As a .desktop entry's %U passes it: a file:// URI, the folder's space as %20.
    const uri = pathToFileURL(inputFile('aia_lev1_171a_test.fits')).href;
    expect(uri).toContain('AIA%20inputs');
    ({ app, page } = await launch('first', [uri]));
  });
  afterAll(async () => {
    if (app && app.process().exitCode === null) await app.close();
  });

  it('opens with no saved window state, sandboxed: the typed API and no Node in the page', async () => {
    expect(page.url()).toBe('app://aia-studio/');
    const bounds = await app.evaluate(({ BrowserWindow }) => {
      const win = BrowserWindow.getAllWindows().find((w) => w.isVisible());
      return win?.getBounds();
    });
    expect(bounds?.width).toBeGreaterThanOrEqual(800);
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

  it('reports the GPU within 5 s: an adapter or a clear "none"', async () => {
    const status = (await Promise.race([
      page.evaluate('window.aiaStudio.desktop.gpuStatus()'),
      new Promise((resolve) => setTimeout(() => resolve({ state: 'no answer within 5 s' }), 5000)),
    ])) as { state: string; reason?: string; adapter?: { description: string } };
    expect(['ready', 'unavailable']).toContain(status.state);
    if (status.state === 'ready') expect(status.adapter?.description).toBeTruthy();
    else expect(status.reason).toBeTruthy();
  });

  it('opens the file it was launched with (a file:// URI), processes it and compares the levels', async () => {
    const out = join(work, 'out');
    await expect.poll(() => selectedInputs(page)).toContain('aia_lev1_171a_test.fits');
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

  it('takes the file of a second launch, which then ends', async () => {
    const second = spawn(executablePath, [REPO_ROOT, inputFile('aia_lev1_193a_second.fits')], {
      cwd: work,
      env: appEnv('first'),
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(0);
    await page.locator('#tab-batch').click();
    await expect.poll(() => selectedInputs(page)).toContain('aia_lev1_193a_second.fits');
  });

  it('refuses to navigate away', async () => {
    const navigated = page.waitForEvent('framenavigated', { timeout: 2000 }).then(
      () => true,
      () => false,
    );
    await page.evaluate(`window.location.href = 'https://example.com/'`);
    expect(await navigated).toBe(false);
    expect(page.url()).toMatch(/^app:\/\/aia-studio\//);
  });

  it.skipIf(process.platform === 'darwin')('ends when its window is closed (Windows, Linux)', async () => {
    const ended = exited(app);
    await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows()
        .find((w) => w.isVisible())
        ?.close(),
    );
    expect(await ended).toBe(0);
  });
});

describe('AIA Studio desktop, quitting with work queued', () => {
  it('quits now without losing the queued files, which are there at the next start', async () => {
    const files = Array.from({ length: 6 }, (_, i) => inputFile(`aia_lev1_171a_queued_${i}.fits`));
    let { app, page } = await launch('queued', []);
    await page.evaluate(
      `window.aiaStudio.call('submitBatch', { inputs: ${JSON.stringify(files)}, recipe: { levels: ['1.6'], outputDir: ${JSON.stringify(join(work, 'queued-out'))} } })`,
    );
    // The OS's question box cannot be clicked from here: the main process answers "Quit Now" (0).
    await app.evaluate(({ dialog }) => {
      dialog.showMessageBox = (async () => ({
        response: 0,
        checkboxChecked: false,
      })) as typeof dialog.showMessageBox;
    });
    const ended = exited(app);
    await app.evaluate(({ app: electronApp }) => electronApp.quit());
    expect(await ended).toBe(0);

    ({ app, page } = await launch('queued', []));
    const counts = (await page.evaluate(
      `window.aiaStudio.call('listJobs', { limit: 0 }).then((r) => r.counts)`,
    )) as {
      total: number;
      failed: number;
    };
    expect(counts.total).toBe(files.length);
    expect(counts.failed).toBe(0);
    await app.close();
  });
});
