import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { latticePower } from '../helpers/latticePower.js';
import { sharedData } from '../helpers/paths.js';
import { openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Compare on a 4096² frame (levels 1 and 1.5): the difference 1.5 − 1 has no lattice of the two pixel
 * grids. Loading the job is measured with the Long Tasks API and logged: the bound (no task
 * over 100 ms) is not met yet (decoding, statistics and texture upload still run on the main thread).
 */
const FULL = sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits');

let web: WebSession;
let page: Page;

beforeAll(async () => {
  web = await openWebSession();
  page = web.page;
  expect(
    (await web.services.handlers.getJob({ id: await web.process(FULL, { levels: ['1.5'] }) })).state,
  ).toBe('done');
}, 600_000);

afterAll(async () => {
  await web?.close();
});

it('4096²: the difference 1.5 − 1 has no lattice (main-thread long tasks while loading are logged)', async () => {
  await page.addInitScript(`
    window.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: true });`);
  await page.goto(web.server.url);
  await page.evaluate('window.__longTasks.length = 0');
  await page.getByRole('tab', { name: 'Compare' }).click();
  await expect
    .poll(() => page.getByTestId('load-status').textContent(), { timeout: 300_000 })
    .toBe('Full resolution');
  const tasks = (await page.evaluate('window.__longTasks')) as number[];
  console.log(
    '4096² load long tasks (ms)',
    JSON.stringify({ longest: Math.max(0, ...tasks), count: tasks.length, tasks }),
  );
  await page.getByRole('radio', { name: 'Difference' }).click();
  await page.getByTestId('pane-difference').waitFor();
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const lattice = await latticePower(page);
  console.log('4096² difference lattice', JSON.stringify(lattice));
  for (const axis of [lattice.x, lattice.y]) expect(axis.atGrid).toBeLessThan(1.3 * axis.neighbours);
}, 600_000);
