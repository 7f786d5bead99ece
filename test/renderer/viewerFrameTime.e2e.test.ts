import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';

/**
 * Benchmark: frame time of pan and zoom on three 4096² panes (levels 1, 1.5, 1.6 of one observation)
 * at 2560×1440, in Chromium on SwiftShader — a CPU rasteriser, so these numbers are a floor for any GPU.
 * The frame time is the renderer's own draw plus a one-pixel read that waits for the GPU to finish.
 */
const FULL = sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits');

let work: string;
let services: AppServices;
let server: LocalServer;
let browser: Browser;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'aia-frames-'));
  services = await AppServices.open({ dataDir: join(work, 'data'), cacheDir: join(work, 'cache') });
  server = await startLocalServer({
    handlers: services.handlers,
    events: services.events,
    staticDir: join(REPO_ROOT, 'renderer/dist'),
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await services?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('pan/zoom frame time on 3 panes of 4096², and the layout at 2560×1440', async () => {
  // Few deconvolution iterations: the viewer's cost does not depend on them, the test's time does.
  const { jobs } = await services.handlers.submitBatch({
    inputs: [FULL],
    recipe: { levels: ['1.5', '1.6'], iterations: 2, outputDir: join(work, 'out') },
  });
  await new Promise<void>((done) => {
    const check = () =>
      services.handlers
        .getJob({ id: jobs[0].id! })
        .then((j) => (j.state === 'running' || j.state === 'queued' ? setTimeout(check, 500) : done()));
    check();
  });
  expect((await services.handlers.getJob({ id: jobs[0].id! })).state).toBe('done');

  const page = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
  await page.goto(server.url);
  await page.getByRole('tab', { name: 'Compare' }).click();
  await expect
    .poll(() => page.getByTestId('load-status').textContent(), { timeout: 180_000 })
    .toBe('Full resolution');
  const panes = page.getByTestId('panes');
  const box = (await panes.boundingBox())!;
  const cx = box.x + box.width / 6;
  const cy = box.y + box.height / 2;

  const frameTime = async () =>
    Number((await page.getByTestId('frame-time').textContent())!.match(/[\d.]+/)![0]);
  const steps = 30;
  await page.mouse.move(cx, cy);
  let started = performance.now();
  for (let i = 0; i < steps; i++) {
    await page.mouse.wheel(0, -120);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  }
  const zoomWall = (performance.now() - started) / steps;
  const zoomFrame = await frameTime();
  await page.mouse.down();
  started = performance.now();
  for (let i = 0; i < steps; i++) {
    await page.mouse.move(cx + 8 * i, cy + 4 * i);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  }
  await page.mouse.up();
  const panWall = (performance.now() - started) / steps;
  const panFrame = await frameTime();
  const report = {
    date: new Date().toISOString(),
    viewport: '2560x1440',
    panes: 3,
    imageSize: 4096,
    renderer: 'Chromium SwiftShader (CPU)',
    zoom: { frameMs: zoomFrame, wallPerStepMs: zoomWall },
    pan: { frameMs: panFrame, wallPerStepMs: panWall },
  };
  console.log('viewer frame time', JSON.stringify(report));
  if (process.env.UPDATE_SCREENSHOTS) {
    mkdirSync(join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'docs/screenshots/compare-3x4096-2560x1440.png') });
  }
  expect(panFrame).toBeGreaterThan(0);
  expect(panFrame).toBeLessThan(2000);
  await page.close();
});
