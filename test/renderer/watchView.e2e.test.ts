import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';
import { openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Issue 16: a browser user adds, sees, pauses, resumes and removes a watch folder, in web mode on a
 * real AIA file (128², so level 1.6 is skipped with a warning), and finds its jobs marked as watched.
 */
const SMALL_L1 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');

let web: WebSession;
let page: Page;

beforeAll(async () => {
  web = await openWebSession({ width: 1280, height: 720 });
  page = web.page;
});

afterAll(async () => {
  await web?.close();
});

/** With UPDATE_SCREENSHOTS=1, the page as docs/screenshots/<name>.png (for the docs, not compared). */
async function screenshot(name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS)
    await page.screenshot({ path: join(REPO_ROOT, 'docs/screenshots', `${name}.png`) });
}

const text =
  (testId: string, within = page.locator('body')) =>
  () =>
    within.getByTestId(testId).first().textContent();

describe('the Watch view in web mode', () => {
  it('adds a folder through the server-side browser; a file dropped in is processed and marked watched; pause, resume, remove', async () => {
    const incoming = join(web.work, 'incoming');
    const out = join(web.work, 'products');
    mkdirSync(incoming);
    await page.goto(web.server.url);
    await page.getByRole('tab', { name: 'Watch' }).click();
    expect(await page.getByTestId('watch-add').isDisabled()).toBe(true);

    // The server's folders: go to the session's folder, pick "incoming" with its Add button.
    await page.getByLabel('Folder', { exact: true }).fill(web.work);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByRole('button', { name: 'Add folder incoming' }).click();
    expect(await page.getByTestId('watch-dir').inputValue()).toBe(incoming);
    await page.getByTestId('watch-levels').selectOption('1.5,1.6');
    await page.getByTestId('watch-output').fill(out);
    expect(await page.getByTestId('watch-recipe').textContent()).toMatch(/level 1\.5 \+ 1\.6 · auto backend/);
    await page.getByTestId('watch-add').click();

    const row = page.locator(`[data-testid=watch-folder-row][data-dir="${incoming}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('watching');
    // saved to the settings file as the add's reply comes (the row may say "watching" a moment before)
    await expect
      .poll(async () => (await web.services.handlers.getSettings({})).watchFolders[0])
      .toMatchObject({ dir: incoming, recipe: { levels: ['1.5', '1.6'], outputDir: out } });

    // A real frame arrives, and a download that went wrong (an HTML error page saved as .fits).
    copyFileSync(SMALL_L1, join(incoming, 'aia_171_first.fits'));
    writeFileSync(join(incoming, 'download_error.fits'), '<html><body>502 Bad Gateway</body></html>\n');
    await expect.poll(text('watch-done', row), { timeout: 60_000 }).toBe('1 done');
    await expect.poll(text('watch-failed', row), { timeout: 60_000 }).toBe('1 failed');
    expect(await text('watch-seen', row)()).toBe('2 seen');
    expect(await text('watch-queued', row)()).toBe('0 queued');
    expect(await text('watch-last', row)()).toMatch(/last activity (just now|\d+ s ago)/);

    // The Queue marks the job as watched (its folder in the tooltip) and shows why 1.6 was not made.
    await page.getByRole('tab', { name: 'Queue' }).click();
    const job = page.locator('[role=listitem][data-state=done]').filter({ hasText: 'aia_171_first.fits' });
    await expect.poll(text('job-watched', job)).toBe('watched');
    expect(await job.getByTestId('job-watched').getAttribute('title')).toContain(incoming);
    expect(await text('job-warnings', job)()).toMatch(/1\.6/);
    // So does Compare.
    await job.getByRole('button', { name: 'Compare' }).click();
    await expect.poll(text('compare-warnings')).toMatch(/1\.6/);

    // Pause: acknowledged in the reply and on screen; a file arriving meanwhile waits for the resume.
    await page.getByRole('tab', { name: 'Watch' }).click();
    await row.getByTestId('watch-pause').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('paused');
    expect(web.services.watchFolders.list()[0]).toMatchObject({ status: 'paused', paused: true });
    copyFileSync(SMALL_L1, join(incoming, 'aia_171_while_paused.fits'));
    await row.getByTestId('watch-resume').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('watching');
    await expect.poll(text('watch-done', row), { timeout: 60_000 }).toBe('2 done');
    expect(await text('watch-seen', row)()).toBe('3 seen');

    // A second folder, paused, for the picture of the view.
    const other = join(web.work, 'incoming-193');
    mkdirSync(other);
    const second = await web.services.handlers.addWatchFolder({
      dir: other,
      recursive: true,
      recipe: { levels: ['1.5'], outputDir: out, interpolation: 'linear' },
    });
    await web.services.handlers.pauseWatchFolder({ id: second.id });
    await expect.poll(() => page.getByTestId('watch-folder-row').count()).toBe(2);
    await expect
      .poll(() =>
        page.locator(`[data-testid=watch-folder-row][data-dir="${other}"]`).getAttribute('data-status'),
      )
      .toBe('paused');
    await screenshot('watch');

    // Remove: the row goes, the saved settings forget it, the products stay.
    await row.getByTestId('watch-remove').click();
    await expect.poll(() => row.count()).toBe(0);
    expect(web.services.watchFolders.list().map((f) => f.dir)).toEqual([other]);
    expect((await web.services.handlers.getSettings({})).watchFolders.map((f) => f.dir)).toEqual([other]);
    expect(readdirSync(out).sort()).toEqual([
      'aia_171_first_lev1.5.fits',
      'aia_171_while_paused_lev1.5.fits',
    ]);
  });
});
