import { basename } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { panesDrawn } from '../helpers/comparePage.js';
import { latticePower } from '../helpers/latticePower.js';
import { mainThreadTasks, type MainThreadTask } from '../helpers/mainThreadTasks.js';
import { sharedData } from '../helpers/paths.js';
import { openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Compare on a 4096² frame with three panes (levels 1, 1.5, 1.6): neither while the view opens (its
 * panels mounted one per task; the panes drawn in a worker) nor while the job loads (chosen after a
 * small one, as a user switches observation; fetch, decode and statistics in a Web Worker, pixels to
 * the pane worker in 1 MiB bands, each in a task of its own) does the page's own work hold its main
 * thread 100 ms, each pane says what it shows (preview, then full resolution), and the difference
 * 1.5 − 1 has no lattice of the two pixel grids.
 */
const FULL = sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits');
const SMALL = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');

let web: WebSession;
let page: Page;

beforeAll(async () => {
  web = await openWebSession();
  page = web.page;
  // Two deconvolution iterations: the viewer's cost does not depend on them, the test's time does.
  const id = await web.process(FULL, { levels: ['1.5', '1.6'], iterations: 2 });
  expect((await web.services.handlers.getJob({ id })).state).toBe('done');
  // The newest job: the one Compare opens on.
  await web.process(SMALL, { levels: ['1.5'] });
}, 600_000);

afterAll(async () => {
  await web?.close();
});

interface LongTask {
  /** ms after the page's start */
  start: number;
  ms: number;
}

interface LoadLog {
  tasks: LongTask[];
  /** Each text the load status took, with when (ms after the Compare tab was clicked). */
  statuses: { at: number; text: string }[];
  /** Each pane label's resolution attribute as it changed. */
  panes: { at: number; pane: string; resolution: string; details: string }[];
  /** When the load began (the page's clock), that `at` counts from. */
  start: number;
}

it('4096², three panes: no decode on the main thread while loading, honest labels, no lattice in 1.5 − 1', async () => {
  // Everything the page is watched with runs on its own events: polling it from here (a selector
  // query every 50 ms) would itself be main-thread work of the page, counted as its long tasks.
  await page.addInitScript(`
    window.__load = { tasks: [], statuses: [], panes: [], start: 0, waiting: [] };
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__load.tasks.push({ start: e.startTime, ms: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
    const status = () => document.querySelector('[data-testid="load-status"]')?.textContent;
    // Resolves once the status has read \`first\` (now or later), then \`then\`.
    window.__statusAfter = (first, then) =>
      new Promise((done) => window.__load.waiting.push({ first, then, done, armed: status() === first }));
    new MutationObserver(() => {
      const at = performance.now() - window.__load.start;
      const text = status();
      const last = window.__load.statuses.at(-1);
      if (text !== undefined && text !== (last && last.text)) window.__load.statuses.push({ at, text });
      for (const w of window.__load.waiting) {
        if (text === w.first) w.armed = true;
        else if (w.armed && text === w.then) w.done();
      }
      for (const pane of document.querySelectorAll('[data-testid^="pane-"]')) {
        const id = pane.dataset.testid;
        const resolution = pane.dataset.resolution || '';
        const details = (pane.querySelector('.details') || {}).textContent || '';
        const seen = window.__load.panes.filter((p) => p.pane === id).at(-1);
        if (!seen || seen.resolution !== resolution || seen.details !== details)
          window.__load.panes.push({ at, pane: id, resolution, details });
      }
    }).observe(document, { subtree: true, childList: true, characterData: true, attributeFilter: ['data-resolution'] });`);
  // Armed before the action that starts a load: asked after it, a load quicker than the question
  // (the 128² job's) would already read 'Full resolution' and the wait would never end.
  const fullResolution = async (start: () => Promise<void>) => {
    await page.evaluate("window.__full = window.__statusAfter('Loading…', 'Full resolution'); 0");
    await start();
    await page.evaluate('window.__full');
  };
  await page.goto(web.server.url);
  await page.getByRole('tab', { name: 'Compare' }).waitFor();
  const clicked = (await page.evaluate('window.__load.start = performance.now()')) as number;
  const openingTasks = await mainThreadTasks(web.browser, page, () =>
    fullResolution(() => page.getByRole('tab', { name: 'Compare' }).click()),
  );
  // Opening the view (its components, the WebGL context, the small job) and loading the 4096² job
  // are told apart; the page's own start (its scripts, before the click) is printed only.
  const before = (await page.evaluate('window.__load.tasks.splice(0)')) as LongTask[];
  const pageStart = before.filter((t) => t.start < clicked).map((t) => Math.round(t.ms));
  const opening = before.filter((t) => t.start >= clicked).map((t) => Math.round(t.ms));
  await page.evaluate('window.__load.statuses.length = 0; window.__load.panes.length = 0');
  await page.evaluate('window.__load.start = performance.now()');
  const loadingTasks = await mainThreadTasks(web.browser, page, () =>
    fullResolution(async () => {
      await page.getByLabel('Observation').selectOption({ label: basename(FULL) });
    }),
  );
  const log = (await page.evaluate('window.__load')) as LoadLog;
  const firstPreview = log.statuses.find((s) => s.text.startsWith('Preview'));
  const full = [...log.statuses].reverse().find((s) => s.text === 'Full resolution');
  // The longest tasks by wall time, with the CPU time of each: [wall, cpu] ms.
  const longest = (tasks: MainThreadTask[]) =>
    [...tasks]
      .sort((a, b) => b.wallMs - a.wallMs)
      .slice(0, 5)
      .map((t) => [Math.round(t.wallMs), Math.round(t.cpuMs)]);
  const mostCpu = (tasks: MainThreadTask[]) => Math.max(...tasks.map((t) => t.cpuMs));
  console.log(
    '4096² load',
    JSON.stringify({
      openingMaxCpuMs: mostCpu(openingTasks),
      loadingMaxCpuMs: mostCpu(loadingTasks),
      openingLongestWallCpuMs: longest(openingTasks),
      loadingLongestWallCpuMs: longest(loadingTasks),
      pageStartLongTasksMs: pageStart,
      openingViewLongTasksMs: opening,
      longestTaskMs: Math.max(0, ...log.tasks.map((t) => t.ms)),
      longTasksMs: log.tasks.map((t) => Math.round(t.ms)),
      // when each began, as the statuses' and panes' `at`: which step of the load it belongs to
      longTasksAtMs: log.tasks.map((t) => Math.round(t.start - log.start)),
      longTasks: log.tasks.length,
      previewMs: firstPreview?.at,
      fullResolutionMs: full?.at,
      statuses: log.statuses,
      panes: log.panes,
    }),
  );
  // The target: no task of 100 ms. The page's own work in a task is its CPU time; its wall
  // time (the Long Tasks API's) adds the waits for a core, which on 2 cores shared with the server,
  // the workers, SwiftShader and the other tests' browsers stretch a 15-30 ms task several times.
  // A quiet machine's wall figures are in docs/benchmarks.md; the wall bound here fails a frame
  // uploaded or decoded on the page's thread again (20 s before).
  expect(openingTasks.filter((t) => t.cpuMs >= 100)).toEqual([]);
  expect(loadingTasks.filter((t) => t.cpuMs >= 100)).toEqual([]);
  expect(opening.filter((ms) => ms >= 1500)).toEqual([]);
  expect(log.tasks.filter((t) => t.ms >= 1500)).toEqual([]);
  // Previews came first, and each pane said so while it showed one; every pane ends at full resolution.
  expect(firstPreview && full && firstPreview.at < full.at).toBe(true);
  for (const level of ['1', '1.5', '1.6']) {
    const states = log.panes.filter((p) => p.pane === `pane-${level}` && p.details);
    expect(states.map((s) => s.resolution)).toContain('preview');
    const preview = states.find((s) => s.resolution === 'preview')!;
    expect(preview.details).toMatch(/preview 1024² \(binned 4×\)/);
    expect(states.at(-1)).toMatchObject({
      resolution: 'full',
      details: expect.stringMatching(/full resolution/),
    });
  }

  await page.getByRole('radio', { name: 'Difference' }).click();
  await page.getByTestId('pane-difference').waitFor();
  await panesDrawn(page);
  const lattice = await latticePower(page);
  console.log('4096² difference lattice', JSON.stringify(lattice));
  for (const axis of [lattice.x, lattice.y]) expect(axis.atGrid).toBeLessThan(1.3 * axis.neighbours);
}, 600_000);
