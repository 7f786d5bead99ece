import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/main.js';
import { webmTimeline } from '../../renderer/src/viewer/webmFile.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { canvasPatch, colourBar, dragWith } from '../helpers/comparePage.js';
import { parseCsv } from '../helpers/csv.js';
import { openWebSession, type WebSession } from '../helpers/webSession.js';
import { writeQaSeries } from '../qa/qaSeries.js';

/*
 * Each step waits on SwiftShader and a shared, loaded machine: 5 minutes a test, as viewerFrameTime's.
 *
 * Issue 18's proof in web mode: the series built from the real 128² 171 Å file (T_OBS stepped 12 s,
 * copy 2 with EXPTIME halved and QUALITY = ISS loop open) plus the real 2048² 1600 Å file, made into
 * level 1.5 products normalised by exposure (so the altered frame is really twice as bright).
 * Compare steps through time, plays a movie, shows a running difference and exports WebM; the QA
 * view lists every product, flags the altered frame (and the 1600 Å frame's real data gap) saying
 * why, and agrees with `aia-studio qa --csv` on the same products.
 */
let web: WebSession;
let page: Page;
let names: string[];
let products: string;

beforeAll(async () => {
  web = await openWebSession({ width: 1400, height: 900 });
  page = web.page;
  const inputs = join(web.work, 'in');
  products = join(web.work, 'out');
  await mkdir(inputs);
  names = await writeQaSeries(inputs);
  const ended = new Promise<void>((done) => {
    let left = names.length;
    for (const event of ['jobDone', 'jobFailed', 'jobCancelled'] as const)
      web.services.events.on(event, () => --left === 0 && done());
  });
  await web.services.handlers.submitBatch({
    inputs: [inputs],
    recipe: { outputDir: products, levels: ['1.5'], normalizeExposure: true },
  });
  await ended;
  const { jobs } = await web.services.handlers.listJobs({});
  expect(jobs.map((j) => j.state)).toEqual(names.map(() => 'done'));
}, 300_000);

afterAll(async () => {
  await web?.close();
});

/** With UPDATE_SCREENSHOTS=1, the page as docs/screenshots/<name>.png (for the docs, not compared). */
async function screenshot(name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS)
    await page.screenshot({ path: join(REPO_ROOT, 'docs/screenshots', `${name}.png`) });
}
const obsTime = () => page.getByTestId('obs-time').textContent();
const fullyLoaded = () =>
  expect
    .poll(() => page.getByTestId('load-status').textContent(), { timeout: 60_000 })
    .toBe('Full resolution');
const T = (s: string) => `2011-02-15 00:00:${s} UTC`;

/** The movie canvas's colour at its centre (the Sun's centre: the view is fitted on the Sun). */
const centreColour = () => canvasPatch(page, '[data-testid="movie-canvas"]', 0.5, 0.5);

describe('time series in Compare, movies and the QA table (web mode)', () => {
  it('steps through the channel by buttons, keys, slider, typed time and channel, T_OBS always shown', async () => {
    await page.goto(web.server.url);
    await page.getByRole('tab', { name: 'Compare' }).click();
    await page.getByLabel('Observation').selectOption({ label: names[0] });
    await fullyLoaded();
    expect(await obsTime()).toBe(T('01.34'));
    expect(await page.getByTestId('series-position').textContent()).toBe('1 / 5');
    expect(await page.getByTestId('step-prev').isDisabled()).toBe(true);

    await page.getByTestId('step-next').click();
    expect(await obsTime()).toBe(T('13.34'));
    await fullyLoaded();
    expect(await page.getByTestId('pane-1.5').textContent()).toMatch(/171 Å · 2011-02-15T00:00:13 UTC/);

    await page.getByLabel(/^Image panes/).focus();
    await page.keyboard.press('Control+ArrowRight');
    await expect.poll(obsTime).toBe(T('25.34'));
    await page.keyboard.press('Control+End');
    await expect.poll(obsTime).toBe(T('49.34'));
    expect(await page.getByTestId('step-next').isDisabled()).toBe(true);
    await page.keyboard.press('Control+ArrowLeft');
    await expect.poll(obsTime).toBe(T('37.34'));

    await page.getByTestId('time-slider').fill('1');
    await expect.poll(obsTime).toBe(T('13.34'));
    await page.getByTestId('jump-time').fill('2011-02-15T00:00:27');
    await page.getByTestId('jump-time').press('Enter');
    await expect.poll(obsTime).toBe(T('25.34'));
    // The slider marks the flagged frame, with its reason.
    expect(await page.locator('.mark').getAttribute('title')).toMatch(
      /^exposure: EXPTIME 1\.000 s is 0\.50×/,
    );

    await page.getByTestId('series-channel').selectOption('1600');
    await expect.poll(obsTime).toBe('2012-06-06 04:07:30.57 UTC');
    expect(await page.getByTestId('series-position').textContent()).toBe('1 / 1');
    // Back to 171 Å at the nearest time: its last frame.
    await page.getByTestId('series-channel').selectOption('171');
    await expect.poll(obsTime).toBe(T('49.34'));
    await page.getByLabel(/^Image panes/).focus();
    await page.keyboard.press('Control+Home');
    await expect.poll(obsTime).toBe(T('01.34'));
    await fullyLoaded();

    await page.keyboard.press('?');
    expect(await page.getByTestId('shortcuts').textContent()).toContain('previous / next observation');
    await page.keyboard.press('Escape');

    // A line profile across level 1 (DN) and level 1.5 normalised by exposure (DN/s): one axis,
    // so each curve's legend says its unit.
    const box = (await page.getByTestId('panes').boundingBox())!;
    const y = box.y + box.height / 2;
    await dragWith(page, 'Shift', [box.x + box.width / 4 - 80, y], [box.x + box.width / 4 + 80, y]);
    await page.getByTestId('profile').waitFor();
    expect(await page.getByTestId('profile-unit').textContent()).toBe('DN, DN/s');
    const legend = page.getByRole('list', { name: 'Legend' }).getByRole('listitem');
    expect((await legend.allTextContents()).map((t) => t.trim())).toEqual([
      'Level 1 [DN]',
      'Level 1.5 [DN/s]',
    ]);
  }, 300_000);

  it('plays the series on the locked scale, shows running difference, exports a WebM with the time burned in', async () => {
    await page.getByTestId('movie-toggle').click();
    await expect.poll(() => page.getByTestId('movie-play').isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('movie-time').textContent()).toBe(
      `Level 1.5 · 171 Å · ${T('01.34')} · frame 1 of 5`,
    );
    // The movie's own colour bar (its unit, limits and map), not the panes' one underneath.
    let movieBar = await colourBar(page, 'movie-colourbar');
    expect(movieBar.unit).toBe('DN/s');
    expect(movieBar.caption).toMatch(/^Movie: Level 1\.5 \[DN\/s\]/);
    expect(await page.getByTestId('colourbar').count()).toBe(0);
    expect(await page.getByTestId('movie-scale').textContent()).toBe(
      `scale ${+movieBar.lo.toPrecision(4)} … ${+movieBar.hi.toPrecision(4)} DN/s`,
    );
    // The scale panel shows and edits the movie's scale: frames play on the observation's scale of
    // their level, so a typed limit moves the movie's bar (and the panes', under it).
    const scaleHeading = () => page.locator('#clip-title').textContent();
    expect(await scaleHeading()).toBe('Scale of the movie (Level 1.5)');
    expect(Number(await page.getByTestId('limit-hi').inputValue())).toBeCloseTo(movieBar.hi, 2);
    await page.getByTestId('limit-hi').fill(String(2 * movieBar.hi));
    await page.getByTestId('limit-hi').press('Enter');
    await expect.poll(async () => (await colourBar(page, 'movie-colourbar')).hi).toBe(2 * movieBar.hi);
    expect(await page.getByTestId('movie-scale').textContent()).toContain(
      `${+(2 * movieBar.hi).toPrecision(4)} DN/s`,
    );
    await page.getByRole('button', { name: 'auto' }).click();
    await expect.poll(async () => (await colourBar(page, 'movie-colourbar')).hi).toBe(movieBar.hi);
    // Frames on one scale: the altered frame (half the exposure, normalised) is brighter.
    await page.keyboard.press('Control+ArrowRight');
    await page.keyboard.press('Control+ArrowRight');
    expect(await obsTime()).toBe(T('25.34'));
    const bright = await centreColour();
    await page.keyboard.press('Control+ArrowRight');
    const normal = await centreColour();
    expect(bright[0] + bright[1] + bright[2]).toBeGreaterThan(normal[0] + normal[1] + normal[2] + 30);

    // Playing: T_OBS moves on by itself, through every frame.
    await page.getByTestId('movie-fps').fill('10');
    const seen = new Set<string>();
    await page.getByTestId('movie-play').click();
    await expect
      .poll(async () => (seen.add((await obsTime())!), seen.size), { timeout: 30_000, interval: 20 })
      .toBe(5);
    await page.getByTestId('movie-play').click();
    expect(await page.getByTestId('movie-play').textContent()).toMatch(/Play/);

    // Running difference: frame − previous; the altered frame stands out positive, the next negative.
    await page.getByTestId('movie-mode').selectOption('running');
    await page.getByTestId('movie-fps').fill('5');
    await page.getByTestId('time-slider').fill('1');
    await expect.poll(obsTime).toBe(T('13.34'));
    expect(await page.getByTestId('movie-time').textContent()).toContain('− previous');
    // one symmetric scale for the whole difference movie
    expect(await page.getByTestId('movie-scale').textContent()).toMatch(/^scale -(\S+) … \1 DN\/s$/);
    movieBar = await colourBar(page, 'movie-colourbar');
    expect(movieBar.lo).toBe(-movieBar.hi);
    expect(movieBar.caption).toMatch(/^Movie: Level 1\.5 − previous \[DN\/s\]/);
    const still = await centreColour();
    await page.keyboard.press('Control+ArrowRight');
    const rising = await centreColour();
    await page.keyboard.press('Control+ArrowRight');
    const falling = await centreColour();
    // zero is the diverging map's middle colour; up is towards red, down towards blue
    const redness = (c: number[]) => c[0] - c[2];
    const colours = JSON.stringify({ still, rising, falling });
    expect(redness(rising), colours).toBeGreaterThan(redness(still) + 15);
    expect(redness(falling), colours).toBeLessThan(redness(still) - 15);
    // The difference movie's own scale is the one the panel edits now.
    expect(await scaleHeading()).toBe('Scale of the movie (Level 1.5 − previous)');
    await page.getByTestId('limit-hi').fill(String(movieBar.hi / 2));
    await page.getByTestId('limit-hi').press('Enter');
    await expect
      .poll(async () => (await colourBar(page, 'movie-colourbar')).hi)
      .toBeCloseTo(movieBar.hi / 2, 6);
    expect((await colourBar(page, 'movie-colourbar')).lo).toBe(movieBar.lo);
    await page.getByRole('button', { name: 'auto' }).click();
    await expect.poll(async () => (await colourBar(page, 'movie-colourbar')).hi).toBe(movieBar.hi);
    await page.keyboard.press('Control+ArrowLeft');
    await screenshot('series-movie-running-difference');

    // Export: 4 running-difference frames at 5 fps, 0.8 s, each stamped with its T_OBS.
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByTestId('movie-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('aia-studio-171A-lev1.5-20110215T000013Z-running.webm');
    const bytes = new Uint8Array(await readFile((await file.path())!));
    expect(bytes.length).toBeGreaterThan(1000);
    const timeline = webmTimeline(bytes);
    expect(timeline.blockMs).toEqual([0, 200, 400, 600]);
    expect(timeline.durationMs).toBe(800);
    expect(await page.getByTestId('movie-status').textContent()).toMatch(
      /^Exported 4 frames at 5 fps \(0\.8 s, \d+ kB\)/,
    );
    // Chromium itself reads it as a 0.8 s video of the exported size (in a page of its own: the app's
    // content security policy lets no blob: media in).
    const probe = await web.browser.newPage();
    const played = (await probe.evaluate(`(async () => {
      const data = Uint8Array.from(atob('${Buffer.from(bytes).toString('base64')}'), (c) => c.charCodeAt(0));
      const video = document.createElement('video');
      video.src = URL.createObjectURL(new Blob([data], { type: 'video/webm' }));
      await new Promise((loaded, failed) => ((video.onloadedmetadata = loaded), (video.onerror = failed)));
      return { duration: video.duration, width: video.videoWidth, height: video.videoHeight };
    })()`)) as { duration: number; width: number; height: number };
    await probe.close();
    expect(played.duration).toBeCloseTo(0.8, 1);
    expect([played.width, played.height]).toEqual([512, 512 + 72]);

    // Base difference: frame − a chosen base frame (the altered one); the base frame itself shows the
    // diverging map's zero colour (the middle of the movie's symmetric bar), the others blue (below it).
    await page.getByTestId('movie-mode').selectOption('base');
    await page.getByTestId('time-slider').fill('2');
    await expect.poll(obsTime).toBe(T('25.34'));
    await page.getByTestId('movie-base').click();
    await expect
      .poll(() => page.getByTestId('movie-time').textContent())
      .toContain(`${T('25.34')} − ${T('25.34')}`);
    movieBar = await colourBar(page, 'movie-colourbar');
    expect(movieBar.lo).toBe(-movieBar.hi);
    expect(movieBar.caption).toMatch(/^Movie: Level 1\.5 − base frame \[DN\/s\]/);
    const zero = await canvasPatch(page, '[data-testid="movie-colourbar"] canvas', 0.5, 0.5);
    const onBase = await centreColour();
    for (const c of [0, 1, 2])
      expect(Math.abs(onBase[c] - zero[c]), JSON.stringify({ zero, onBase })).toBeLessThan(8);
    await page.getByTestId('time-slider').fill('0');
    await expect.poll(obsTime).toBe(T('01.34'));
    const below = await centreColour();
    expect(below[2] - below[0], JSON.stringify({ zero, below })).toBeGreaterThan(zero[2] - zero[0] + 15);
    await screenshot('series-movie-base-difference');
    // Back to the altered frame, where the movie was before.
    await page.getByTestId('time-slider').fill('2');
    await expect.poll(obsTime).toBe(T('25.34'));

    // Frames again, for the docs: a movie frame with its stamp.
    await page.getByTestId('movie-mode').selectOption('frames');
    await screenshot('series-movie');
    // Closing the movie opens the frame it showed.
    await page.getByTestId('movie-toggle').click();
    expect(await obsTime()).toBe(T('25.34'));
    await expect
      .poll(() => page.getByTestId('pane-1.5').textContent(), { timeout: 60_000 })
      .toMatch(/2011-02-15T00:00:25 UTC/);
  }, 300_000);

  it('the QA table lists every product, flags the altered frame saying why, and agrees with aia-studio qa --csv', async () => {
    const csvPath = join(web.work, 'qa.csv');
    const cli = await runCli(
      ['qa', '--csv', csvPath, products],
      () => {},
      () => {},
    );
    expect(cli).toBe(0);
    const csv = parseCsv(await readFile(csvPath, 'utf8'));
    expect(csv).toHaveLength(6);

    await page.getByRole('tab', { name: 'QA' }).click();
    const rows = page.getByTestId('qa-table').locator('tr');
    await expect.poll(() => rows.count()).toBe(6);
    expect(await page.getByTestId('qa-summary').textContent()).toBe('6 products, 2 flagged');
    const flagged = await page
      .getByTestId('qa-table')
      .locator('tr[data-flagged="true"] td[data-column="file"]')
      .allTextContents();
    expect(flagged.sort()).toEqual(['aia_1600_2048_lev1.5.fits', 'aia_171_series_02_lev1.5.fits']);
    const altered = page.getByTestId('qa-table').locator('tr', { hasText: 'aia_171_series_02_lev1.5.fits' });
    expect(await altered.locator('td[data-column="flags"]').textContent()).toMatch(
      /exposure: EXPTIME 1\.000 s is 0\.50× the 171 Å nominal 2 s.*quality: QUALITY 131072: ISS loop open \(AISTATE\)/s,
    );

    // Every product's cells are the CLI's, column for column.
    const columns = await page
      .locator('thead th[data-column]')
      .evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')!));
    expect(columns).toContain('flags');
    for (const row of csv) {
      const tr = page.getByTestId('qa-table').locator(`tr[data-path="${row.file}"]`);
      for (const name of columns) {
        const cell = tr.locator(`td[data-column="${name}"]`);
        const shown =
          name === 'flags'
            ? (await cell.locator('li').allTextContents()).join('; ')
            : (await cell.textContent())!.trim();
        expect(shown, `${basename(row.file)} ${name}`).toBe(name === 'file' ? basename(row.file) : row[name]);
      }
    }

    // Sortable; thumbnails; the metric over time marks the flagged frames.
    await page.getByTestId('qa-sort-exposure_ratio').click();
    expect(await rows.first().getAttribute('data-path')).toMatch(/series_02_lev1\.5\.fits$/);
    await page.getByTestId('qa-sort-exposure_ratio').click();
    expect(await rows.first().getAttribute('data-path')).not.toMatch(/series_02/);
    await expect
      .poll(() => page.locator('[data-testid="qa-thumb"][data-loaded="true"]').count(), { timeout: 30_000 })
      .toBe(6);
    await page.getByTestId('qa-metric').selectOption('exposure_ratio');
    expect(await page.getByTestId('qa-plot-channel').inputValue()).toBe('171');
    expect(await page.getByTestId('qa-point').count()).toBe(5);
    expect(await page.locator('[data-testid="qa-point"][data-flagged="true"]').count()).toBe(1);
    await page.getByTestId('qa-plot-channel').selectOption('1600');
    expect(await page.locator('[data-testid="qa-point"][data-flagged="true"]').count()).toBe(1);
    await page.getByTestId('qa-plot-channel').selectOption('171');
    await page.getByTestId('qa-sort-t_obs').click();
    await screenshot('qa-table');

    // A click opens the product in Compare.
    await altered.click();
    await expect
      .poll(() => page.getByRole('tab', { name: 'Compare' }).getAttribute('aria-selected'))
      .toBe('true');
    await expect.poll(obsTime).toBe(T('25.34'));
  }, 300_000);
});
