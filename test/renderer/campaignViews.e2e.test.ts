import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../helpers/paths.js';
import { matchScreenshot, openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Issue 16's Batch, Queue and Performance views in web mode on real files: paths judged as they are
 * added, level 1.6 eligibility before start, a Start that is and looks disabled; the Queue's channel,
 * T_OBS, levels and output columns and its filters; a permanent failure without Retry; the user's own
 * throughput. Writes docs/screenshots batch, queue and performance.
 */
const SMALL_171 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const UV_1600 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
const FULL_171 = sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits');

let web: WebSession;
let paths: {
  missing: string;
  random: string;
  small: string;
  uv: string;
  full: string;
  twin: string;
  out: string;
};

beforeAll(async () => {
  web = await openWebSession({ width: 1400, height: 860 });
  const data = join(web.work, 'campaign');
  for (const day of ['2011-02-15', '2012-06-06', 'elsewhere'])
    mkdirSync(join(data, day), { recursive: true });
  paths = {
    missing: join(data, 'aia_lev1_171a_not_downloaded.fits'),
    random: join(data, 'elsewhere', 'random_bytes.fits'),
    small: join(data, '2011-02-15', 'sunpy_test_aia_171_level1_128px.fits'),
    uv: join(data, '2012-06-06', 'aia_lev1_1600a_2012_06_06t04_07_29_12z_lowres.fits'),
    full: FULL_171,
    // the same file name in another folder: the Queue tells them apart by folder and output
    twin: join(data, 'elsewhere', 'sunpy_test_aia_171_level1_128px.fits'),
    out: join(web.work, 'products'),
  };
  writeFileSync(paths.random, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251)));
  copyFileSync(SMALL_171, paths.small);
  copyFileSync(SMALL_171, paths.twin);
  copyFileSync(UV_1600, paths.uv);
  mkdirSync(paths.out);
});

afterAll(async () => {
  await web?.close();
});

const row = (path: string): Locator => web.page.locator(`[data-testid=batch-row][data-path="${path}"]`);

describe('Batch, Queue and Performance views for a campaign', () => {
  it('Batch: paths judged as they are added, level 1.6 eligibility per file, a Start that looks disabled', async () => {
    const { page } = web;
    await page.goto(web.server.url);
    await page.getByRole('tab', { name: 'Batch' }).click();
    const start = page.getByTestId('start-batch');
    // Nothing to start: disabled, and it looks it (not the accent fill of an enabled primary button).
    expect(await start.isDisabled()).toBe(true);
    type Styles = {
      getComputedStyle(e: unknown): { backgroundColor: string; opacity: string; cursor: string };
    };
    const look = await start.evaluate((b) => {
      const style = (globalThis as unknown as Styles).getComputedStyle(b);
      return { background: style.backgroundColor, opacity: Number(style.opacity), cursor: style.cursor };
    });
    expect(look.background).not.toBe('rgb(242, 182, 50)');
    expect(look.opacity).toBeLessThan(1);
    expect(look.cursor).toBe('not-allowed');

    await page.getByLabel('Levels').selectOption('1.5,1.6');
    const typed = [paths.missing, paths.random, paths.small, paths.uv, paths.full];
    await page.getByLabel('Paths on this computer').fill(typed.join('\n'));
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    // Refused at once, each with its reason; nothing of them will be queued.
    await row(paths.missing).and(page.locator('[data-state=refused]')).waitFor();
    expect(await row(paths.missing).getByTestId('input-verdict').textContent()).toContain(
      `no such file or folder: ${paths.missing}`,
    );
    await row(paths.random).and(page.locator('[data-state=refused]')).waitFor();
    expect(await row(paths.random).getByTestId('input-verdict').textContent()).toContain('not a FITS file');

    // A binned 171 Å frame and a UV frame get level 1.5 only, and say why; the 4096² EUV frame gets both.
    await row(paths.small).and(page.locator('[data-state=warning]')).waitFor();
    const small16 = row(paths.small).getByTestId('input-level16');
    expect(await small16.getAttribute('data-eligible')).toBe('false');
    expect(await small16.getAttribute('title')).toMatch(/full-resolution 4096×4096.*128×128/);
    expect(await row(paths.small).getByTestId('input-verdict').textContent()).toMatch(
      /level 1.5 only: level 1.6 needs a full-resolution/,
    );
    expect(await row(paths.uv).getByTestId('input-level16').getAttribute('data-eligible')).toBe('false');
    expect(await row(paths.uv).getByTestId('input-level16').getAttribute('title')).toMatch(/1600/);
    await row(paths.full).and(page.locator('[data-state=ok]')).waitFor();
    expect(await row(paths.full).getByTestId('input-level16').getAttribute('data-eligible')).toBe('true');
    expect(await row(paths.full).getByTestId('input-verdict').textContent()).toContain(
      '171 Å · 2014-01-01 00:00:12 · 4096² · 13.0 MB',
    );

    // Still no output folder: Start stays disabled and says why.
    expect(await start.isDisabled()).toBe(true);
    expect(await page.getByTestId('start-blocked').textContent()).toContain('Choose an output folder');

    // The recipe's full option set, as the CLI's.
    await page.getByLabel('RL iterations').fill('30');
    await page.getByLabel('RL precision').selectOption('f64');
    await page.getByLabel('Missing pixels').fill('-1');
    expect(await page.getByLabel('CPU threads').getAttribute('placeholder')).toBe('all cores');

    // The output folder from the server-side picker.
    await page.getByTestId('output-choose').click();
    await page.locator('#choose-location').fill(paths.out);
    await page.locator('#choose-location').press('Enter');
    // the empty output folder listed: the picker shows it
    await page.locator('.chooser').getByText('No folders or FITS files here.').waitFor();
    await page.getByTestId('choose-folder').click();
    expect(await page.getByLabel('Output folder').inputValue()).toBe(paths.out);
    expect(await start.isDisabled()).toBe(false);
    expect(await start.textContent()).toContain('Start batch (3)');
    await matchScreenshot(page, 'batch', await page.screenshot());

    // The 4096² frame is left for another day (its level 1.6 takes minutes on this machine's CPU).
    await row(paths.full)
      .getByRole('button', { name: `Remove ${paths.full}` })
      .click();
    await page.getByLabel('RL iterations').fill('25');
    await page.getByLabel('RL precision').selectOption('f32');
    await page.getByLabel('Missing pixels').fill('');
    await start.click();
    await page.getByRole('tab', { name: 'Queue', selected: true }).waitFor();
    const submitted = await web.services.queue.list();
    expect(submitted.map((j) => j.input.path).sort()).toEqual([paths.small, paths.uv].sort());
    expect(submitted[0].recipe).toMatchObject({
      levels: ['1.5', '1.6'],
      iterations: 25,
      outputDir: paths.out,
    });
  });

  it('Queue: channel, T_OBS, levels and output columns, filters; a permanent failure without Retry', async () => {
    const { page, services } = web;
    // What a script or a watch folder may still submit: the twin of another folder, and random bytes.
    const out2 = join(web.work, 'products-elsewhere');
    await services.handlers.submitBatch({
      inputs: [paths.twin],
      recipe: { outputDir: out2, levels: ['1.5'] },
    });
    await services.handlers.submitBatch({
      inputs: [paths.random],
      recipe: { outputDir: out2, levels: ['1.5'] },
    });
    const jobs = page.locator('[role=listitem]');
    await expect
      .poll(() => page.locator('[role=listitem][data-state=done]').count(), { timeout: 90_000 })
      .toBe(3);
    await page.locator('[role=listitem][data-state=failed]').waitFor({ timeout: 60_000 });

    const small = jobs.filter({ has: page.locator(`.name[title="${paths.small}"]`) });
    expect(await small.getByTestId('job-channel').textContent()).toBe('171 Å');
    expect(await small.getByTestId('job-tobs').textContent()).toBe('2011-02-15 00:00:01');
    expect(await small.getByTestId('job-tobs').getAttribute('title')).toBe('2011-02-15T00:00:01.34Z');
    expect(await small.getByTestId('job-levels').textContent()).toBe('1.5 + 1.6');
    // The binned frame's level 1.6 was skipped: the row says so.
    expect(await small.getByTestId('job-warnings').textContent()).toContain('level 1.6 not made');
    // Two files of one name: their folders and outputs tell them apart.
    const twin = jobs.filter({ has: page.locator(`.name[title="${paths.twin}"]`) });
    expect(await small.locator('.folder').textContent()).toContain('campaign/2011-02-15');
    expect(await twin.locator('.folder').textContent()).toContain('campaign/elsewhere');
    expect(await small.getByTestId('job-output').textContent()).toContain('/products');
    expect(await twin.getByTestId('job-output').textContent()).toContain('products-elsewhere');
    expect(await small.getByTestId('job-output').getAttribute('title')).toContain(
      join(paths.out, 'sunpy_test_aia_171_level1_128px_lev1.5.fits'),
    );
    const uv = jobs.filter({ has: page.locator(`.name[title="${paths.uv}"]`) });
    expect(await uv.getByTestId('job-channel').textContent()).toBe('1600 Å');

    // Each row's fields stay on one line.
    for (const r of [small, twin, uv]) {
      const centres = await r
        .locator('.line > *')
        .evaluateAll((fields) =>
          fields.map((f) => f.getBoundingClientRect()).map((b) => b.top + b.height / 2),
        );
      expect(Math.max(...centres) - Math.min(...centres)).toBeLessThan(6);
    }

    // The random bytes: a permanent failure, marked, with no Retry; the services refuse one too.
    const bad = jobs.filter({ has: page.locator(`.name[title="${paths.random}"]`) });
    expect(await bad.getAttribute('data-state')).toBe('failed');
    expect(await bad.getByTestId('job-permanent').textContent()).toBe('bad input');
    expect(await bad.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await bad.locator('.detail').textContent()).toContain('not a FITS file');
    const badJob = (await services.queue.list()).find((j) => j.input.path === paths.random)!;
    await expect(services.handlers.retryJob({ id: badJob.id })).rejects.toThrow(/cannot succeed on a retry/);

    // "(waited)" is explained on the view.
    expect(await page.getByTestId('waiting-legend').textContent()).toMatch(
      /^\(waited\): this process used less/,
    );

    // Filters: by channel, by source, by state.
    await page.getByTestId('queue-filter-channel').selectOption('1600');
    await expect.poll(() => jobs.count()).toBe(1);
    expect(await jobs.first().getByTestId('job-channel').textContent()).toBe('1600 Å');
    await page.getByTestId('queue-filter-channel').selectOption('all');
    await page.getByTestId('queue-filter-state').selectOption('failed');
    await expect.poll(() => jobs.count()).toBe(1);
    await page.getByTestId('queue-filter-state').selectOption('all');
    await page.getByTestId('queue-filter-source').selectOption('watch');
    await page.getByText('No jobs match the filters.').waitFor();
    await page.getByTestId('queue-filter-source').selectOption('batch');
    await expect.poll(() => jobs.count()).toBe(4);
    await page.getByTestId('queue-filter-source').selectOption('all');
    await matchScreenshot(page, 'queue', await page.screenshot());
  });

  it('Performance: the user’s own files per minute, stage costs and backend', async () => {
    const { page } = web;
    await page.getByRole('tab', { name: 'Performance' }).click();
    await page.getByTestId('throughput-chart').waitFor();
    expect(await page.getByTestId('throughput-summary').textContent()).toMatch(
      /^\s*3 files done · [\d.]+ files\/min/,
    );
    expect(await page.getByTestId('throughput-chart').locator('rect').count()).toBeGreaterThanOrEqual(30);
    expect(await page.locator('[data-testid=backend-use] tr[data-backend=cpu]').textContent()).toMatch(
      /cpu\s*3 files/,
    );
    await page.locator('tr[data-stage=register]').waitFor();
    // The developers' history is labelled as theirs where the checkout has one.
    expect(await page.locator('#trend-title').textContent()).toBe('Developers’ benchmark history');
    await matchScreenshot(page, 'performance', await page.screenshot({ fullPage: true }));
  });
});
