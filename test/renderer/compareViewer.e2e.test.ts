import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../helpers/paths.js';
import { latticePower } from '../helpers/latticePower.js';
import {
  brightAtPaneCentres,
  canvasPatch,
  colourBar as readColourBar,
  crosshairs,
  docsScreenshot,
  dragWith,
  exportedParts,
  loadLog,
  recordLoad,
  openObservation as openComparedObservation,
} from '../helpers/comparePage.js';
import { openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Compare as a solar physicist uses it, in web mode on real AIA files: a job whose level 1.6 was
 * skipped, the 2048² 1600 Å frame with fill in its corners, one shared scale, typed and dragged
 * limits, readout, profile, shortcuts, switching observation, and the difference 1.5 − 1 without the
 * lattice of two pixel grids.
 */
const SMALL_L1 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const L1_1600 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');

let web: WebSession;
let page: Page;
let small: string;
let uv: string;

beforeAll(async () => {
  web = await openWebSession();
  page = web.page;
  small = await web.process(SMALL_L1, { levels: ['1.5', '1.6'] });
  uv = await web.process(L1_1600, { levels: ['1.5'] });
}, 300_000);

afterAll(async () => {
  await web?.close();
});

const openObservation = (file: string) => openComparedObservation(page, file);
const screenshot = (name: string) => docsScreenshot(page, name);
const colourBar = () => readColourBar(page);

describe('Compare in web mode', () => {
  it('a job whose level 1.6 was skipped shows levels 1 and 1.5 and, in the third pane, why', async () => {
    const job = await web.services.handlers.getJob({ id: small });
    expect(job.state).toBe('done');
    // Each level's pixel requests (the pixel worker's own fetches), and what the page said meanwhile.
    const asked: string[] = [];
    page.on('request', (r) => {
      const command = /\/api\/(imagePreview|imagePixels)$/.exec(r.url())?.[1];
      const body = command && (JSON.parse(r.postData() ?? '{}') as { jobId?: string; level?: string });
      if (body && body.jobId === small) asked.push(`${command} ${body.level}`);
    });
    await recordLoad(page);
    await page.goto(web.server.url);
    // The Queue row says why level 1.6 is missing, beside the stage times.
    await page.getByRole('tab', { name: 'Queue' }).click();
    expect(job.warnings.some((w) => w.includes('1.6'))).toBe(true);
    await expect
      .poll(() =>
        page
          .getByRole('listitem')
          .filter({ hasText: basename(SMALL_L1) })
          .getByTestId('job-warnings')
          .textContent(),
      )
      .toContain(job.warnings.find((w) => w.includes('1.6')));
    await page.getByRole('tab', { name: 'Compare' }).click();
    await openObservation(SMALL_L1);
    await expect.poll(() => page.getByTestId('pane-1').getAttribute('data-resolution')).toBe('full');
    expect(await page.getByTestId('pane-1.5').getAttribute('data-resolution')).toBe('full');
    expect(await page.getByTestId('pane-1').textContent()).toMatch(
      /171 Å · 2011-02-15T00:00:01 UTC · exp 2 s · DN/,
    );
    const reason = await page.getByTestId('pane-1.6').getByRole('status').textContent();
    expect(reason).toMatch(/^Level 1\.6 was not made: /);
    expect(reason!.length).toBeGreaterThan(30);
    // The two images are drawn: their panes are not the empty background.
    // each texture goes up after its own fetch: wait for both images, then the third pane is still empty
    await expect
      .poll(() => brightAtPaneCentres(page, 3), { timeout: 60_000 })
      .toSatisfy(([one, fifteen]: number[]) => one > 100 && fifteen > 100);
    expect((await brightAtPaneCentres(page, 3))[2]).toBe(0);
    await screenshot('compare-level-missing');
    // Export: the first pane at its full resolution (128²) above a strip with caption and colour bar.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const png = readFileSync((await (await download).path())!);
    expect((await download).suggestedFilename()).toBe('aia-studio-sunpy_test_aia_171_level1_128px-lev1.png');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128 + 72]);

    // Any pane by its own button: level 1.5 on its own grid, with its colour bar.
    const info = await web.services.handlers.imageInfo({ jobId: small, level: '1.5' });
    const one = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export Level 1.5 as PNG' }).click();
    const onePng = readFileSync((await (await one).path())!);
    expect((await one).suggestedFilename()).toBe('aia-studio-sunpy_test_aia_171_level1_128px-lev1.5.png');
    expect([onePng.readUInt32BE(16), onePng.readUInt32BE(20)]).toEqual([info.width, info.height + 72]);
    // All panes side by side in one PNG, each on the finer grid of the two, each with its colour bar;
    // the missing level 1.6 is not among them.
    expect(await page.getByTestId('export-1.6').count()).toBe(0);
    await page.getByTestId('export-choice').selectOption({ label: 'All panes side by side' });
    const all = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const allPng = readFileSync((await (await all).path())!);
    expect((await all).suggestedFilename()).toBe('aia-studio-sunpy_test_aia_171_level1_128px-levs1_1.5.png');
    const level1 = await web.services.handlers.imageInfo({ jobId: small, level: '1' });
    const cdelt = (h: Record<string, unknown>) => Math.abs(Number(h.CDELT1));
    const finer = Math.min(cdelt(level1.header), cdelt(info.header));
    const side = Math.round(Math.max(128 * cdelt(level1.header), info.width * cdelt(info.header)) / finer);
    expect([allPng.readUInt32BE(16), allPng.readUInt32BE(20)]).toEqual([2 * side, side + 72]);
    const parts = await exportedParts(page, allPng, 2);
    for (const part of parts) {
      expect(part.bright, JSON.stringify(parts)).toBeGreaterThan(100);
      expect(part.barColours, JSON.stringify(parts)).toBeGreaterThan(20);
    }
    await page.getByTestId('export-choice').selectOption({ label: 'first pane' });

    // A 128² level's preview needs no binning: it is the full image, fetched once, and 'Full
    // resolution' is said once both levels are drawn, after which the shared scale never moved.
    expect(asked.filter((a) => a.startsWith('imagePixels'))).toEqual([]);
    expect(asked.sort()).toEqual(['imagePreview 1', 'imagePreview 1.5']);
    const log = await loadLog(page);
    // (from the moment this observation's load ended: the view may have opened on the other job)
    const final = log.findLastIndex((e) => e.status !== 'Full resolution') + 1;
    expect(log[final]?.status, JSON.stringify(log)).toBe('Full resolution');
    for (const e of log.slice(final))
      expect([e.lo, e.hi], JSON.stringify(log)).toEqual([log[final].lo, log[final].hi]);
  });

  it('one scale for both levels: typed limits and the histogram handles move it; a pane can leave it', async () => {
    let bar = await colourBar();
    expect(bar.unit).toBe('DN');
    expect(bar.caption).toMatch(/Level 1, Level 1\.5/);
    await page.getByTestId('limit-lo').fill('100');
    await page.getByTestId('limit-lo').press('Enter');
    await page.getByTestId('limit-hi').fill('1500');
    await page.getByTestId('limit-hi').press('Enter');
    bar = await colourBar();
    expect([bar.lo, bar.hi]).toEqual([100, 1500]);
    // Drag the high handle to the middle of the histogram: the shared scale follows.
    const hist = page.getByLabel(/Histogram with the scale's limits/);
    const box = (await hist.boundingBox())!;
    const histHandleX = async () => {
      const hi = (await colourBar()).hi;
      return hi;
    };
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const dragged = await histHandleX();
    expect(dragged).not.toBe(1500);
    expect(await page.getByRole('heading', { name: /Shared scale \(Level 1, Level 1\.5\)/ }).count()).toBe(1);
    // Level 1.5 on its own scale: level 1 keeps the hand-set one alone.
    await page.getByRole('button', { name: 'Level 1.5 on the shared scale' }).click();
    expect(
      await page.getByRole('button', { name: 'Level 1.5 on the shared scale' }).getAttribute('aria-pressed'),
    ).toBe('false');
    expect((await colourBar()).caption).toMatch(/^Level 1 \[DN\]/);
    expect((await colourBar()).hi).toBe(dragged);
    // Two scales on screen, two colour bars: level 1.5's shows its own automatic limits and its unit.
    const own = await readColourBar(page, 'colourbar-1.5');
    expect(own.caption).toMatch(/^Level 1\.5 \[DN\]/);
    expect(own.unit).toBe('DN');
    expect(own.lo).toBeLessThan(own.hi);
    expect([own.lo, own.hi]).not.toEqual([100, dragged]);
    await screenshot('compare-two-scales');
    await page.getByRole('button', { name: 'Level 1.5 on the shared scale' }).click();
    // Back on one scale: one bar again.
    expect(await page.getByTestId('colourbar-1.5').count()).toBe(0);
  });

  it('readout in FITS pixels and heliographic coordinates; a profile with axes and a legend; box statistics; "?" lists the keys', async () => {
    const panes = page.getByTestId('panes');
    const box = (await panes.boundingBox())!;
    await page.mouse.move(box.x + box.width / 6 + 20, box.y + box.height / 2 - 10);
    expect(await page.getByTestId('heliographic').textContent()).toMatch(
      /HG lon -?\d+\.\d\d° lat -?\d+\.\d\d°/,
    );
    expect(await page.locator('tr[data-level="1.5"]').textContent()).toMatch(/DN/);
    // Shift+drag a line across the first pane.
    const y = box.y + box.height / 2;
    await dragWith(page, 'Shift', [box.x + box.width / 6 - 80, y], [box.x + box.width / 6 + 80, y]);
    const profile = page.getByTestId('profile');
    await profile.waitFor();
    expect(await page.getByTestId('profile-unit').textContent()).toBe('DN');
    expect(await profile.textContent()).toMatch(/distance along the line \[arcsec\]/);
    const legend = page.getByRole('list', { name: 'Legend' }).getByRole('listitem');
    expect(await legend.allTextContents()).toEqual([
      expect.stringMatching(/Level 1$/),
      expect.stringMatching(/Level 1\.5$/),
    ]);
    const [first, second] = await legend.evaluateAll((items) => items.map((i) => i.getBoundingClientRect()));
    expect(first.right).toBeLessThan(second.left);
    // Ctrl+drag a box: each level's statistics over the same place on the Sun.
    await page.keyboard.down('Control');
    await page.mouse.move(box.x + box.width / 6 - 40, box.y + box.height / 2 - 40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 6 + 40, box.y + box.height / 2 + 40, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Control');
    for (const level of ['1', '1.5']) {
      const row = page.getByTestId('region-stats').locator(`tr[data-level="${level}"]`);
      const count = Number(await row.locator('.count').textContent());
      const mean = Number(await row.locator('.mean').textContent());
      expect(count).toBeGreaterThan(20);
      expect(Number(await row.locator('.sum').textContent())).toBeCloseTo(mean * count, -2);
      expect(Number(await row.locator('.sigma').textContent())).toBeGreaterThan(0);
    }
    // The shortcuts overlay, with the focus nowhere in particular.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    await expect.poll(() => page.getByTestId('shortcuts').isVisible()).toBe(true);
    expect(await page.getByTestId('shortcuts').textContent()).toMatch(/line profile/);
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('shortcuts').count()).toBe(0);
  });

  it('the crosshair is linked across panes; grey map and invert change the pixels drawn', async () => {
    const panes = page.getByTestId('panes');
    const box = (await panes.boundingBox())!;
    // Pointing 30 px right of and 20 px above pane 1's centre marks that place on the Sun in pane 1.5
    // (one viewport for all panes: the same offset from its centre); the missing 1.6 has none.
    await page.mouse.move(box.x + box.width / 6 + 30, box.y + box.height / 2 - 20);
    await expect.poll(async () => (await crosshairs(page, 3))[0]).toBeDefined();
    const [one, fifteen, sixteen] = await crosshairs(page, 3);
    for (const at of [one!, fifteen!]) {
      expect(Math.abs(at.x - 30)).toBeLessThan(3);
      expect(Math.abs(at.y + 20)).toBeLessThan(3);
    }
    expect(sixteen).toBeUndefined();
    await page.mouse.move(box.x - 10, box.y - 10);

    // Pane 1's centre (on the disk) in the AIA 171 Å colours is gold, not grey.
    const glCanvas = '.stage canvas';
    const aia = await canvasPatch(page, glCanvas, 1 / 6, 0.5);
    expect(aia[0] - aia[2]).toBeGreaterThan(30);
    // Linear stretch: the grey map is then a straight ramp, and invert (the map reversed) is 255 − v.
    await page.locator('#scale').selectOption('linear');
    await page.locator('#cmap').selectOption('grey');
    await expect
      .poll(async () => {
        const [r, g, b] = await canvasPatch(page, glCanvas, 1 / 6, 0.5);
        return Math.max(Math.abs(r - g), Math.abs(g - b));
      })
      .toBeLessThan(1.5);
    const grey = await canvasPatch(page, glCanvas, 1 / 6, 0.5);
    expect(grey[0]).toBeGreaterThan(20);
    // Invert: each grey level drawn becomes its complement; the bar's bright top goes black.
    const barTop = () => canvasPatch(page, '[data-testid="colourbar"] canvas', 0.97, 0.5);
    expect((await barTop())[0]).toBeGreaterThan(220);
    await page.getByLabel('invert').check();
    await expect
      .poll(async () => (await canvasPatch(page, glCanvas, 1 / 6, 0.5))[0])
      .toBeCloseTo(255 - grey[0], -0.5);
    expect((await barTop())[0]).toBeLessThan(30);
    await page.getByLabel('invert').uncheck();
    await page.locator('#cmap').selectOption('aia');
    await page.locator('#scale').selectOption('asinh');
    await expect
      .poll(async () => {
        const [r, , b] = await canvasPatch(page, glCanvas, 1 / 6, 0.5);
        return r - b;
      })
      .toBeGreaterThan(30);
  });

  it('the 1600 Å product is scaled on its data, not its fill; nothing stale after switching', async () => {
    expect((await web.services.handlers.getJob({ id: uv })).state).toBe('done');
    // A hand-set scale on the 128² observation, and its histogram, before switching.
    await page.getByTestId('limit-lo').fill('100');
    await page.getByTestId('limit-lo').press('Enter');
    await page.getByTestId('limit-hi').fill('777');
    await page.getByTestId('limit-hi').press('Enter');
    const handSet = await colourBar();
    expect([handSet.lo, handSet.hi]).toEqual([100, 777]);
    const histogramPixels = () =>
      page
        .getByLabel(/Histogram with the scale's limits/)
        .evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
    const smallHistogram = await histogramPixels();
    const before = (await loadLog(page)).length;
    await openObservation(L1_1600);
    // Both panes stood from the moment the levels were known (each said 'loading', then 'preview'
    // of the 2048² frame's block means, then 'full'): none appeared later and moved the other.
    const steps = (await loadLog(page)).slice(before).filter((e) => e.panes);
    const layouts = new Set(steps.map((e) => e.panes.replace(/:\w+/g, '')));
    expect([...layouts], JSON.stringify(steps)).toEqual(['pane-1,pane-1.5']);
    expect(steps.map((e) => e.panes).join(' ')).toMatch(
      /pane-1\.5:loading.*pane-1\.5:preview.*pane-1\.5:full/,
    );
    const bar = await colourBar();
    // The hand-set scale stayed with its observation: this one's is its automatic one ("auto" changes
    // nothing), and −32768 fill enters no statistics.
    expect([bar.lo, bar.hi]).not.toEqual([handSet.lo, handSet.hi]);
    await page.getByRole('button', { name: 'auto' }).click();
    expect(await colourBar()).toEqual(bar);
    expect(bar.lo).toBeGreaterThan(-100);
    expect(bar.hi).toBeLessThan(5600);
    // The histogram is this observation's (its range and limits), not the last one's.
    await expect.poll(histogramPixels).not.toBe(smallHistogram);
    const uvHistogram = await histogramPixels();
    // Back to the first observation: its automatic scale (documented: a hand-set scale lasts while
    // its observation is shown), and its own histogram again.
    await openObservation(SMALL_L1);
    const back = await colourBar();
    expect([back.lo, back.hi]).not.toEqual([handSet.lo, handSet.hi]);
    await page.getByRole('button', { name: 'auto' }).click();
    // 'Full resolution' is said once every level is drawn as it will stay: the scale it showed then
    // is the automatic one exactly.
    expect(await colourBar()).toEqual(back);
    await expect.poll(histogramPixels).not.toBe(uvHistogram);
    await openObservation(L1_1600);
    expect(await page.getByTestId('world').textContent()).toMatch(/Point at the image/);
    expect(await page.getByText('Shift+drag across the image.').count()).toBe(1);
    expect(await page.getByTestId('pane-1.6').count()).toBe(0);
  });

  it('difference 1.5 − 1: own symmetric limits, diverging colour bar, no lattice of the two pixel grids', async () => {
    await page.getByRole('radio', { name: 'Difference' }).click();
    await page.getByTestId('pane-difference').waitFor();
    const bar = await colourBar();
    expect(bar.lo).toBeCloseTo(-bar.hi, 6);
    expect(bar.caption).toMatch(/Level 1\.5 − Level 1/);
    // Symmetric limits from |A − B|'s high percentile: the low percentile is not offered.
    expect(await page.getByLabel('low percentile').isDisabled()).toBe(true);
    await page.getByTestId('limit-hi').fill('50');
    await page.getByTestId('limit-hi').press('Enter');
    // the colour bar follows the limits at the next frame
    await expect.poll(async () => (await colourBar()).hi).toBe(50);
    await page.getByRole('button', { name: 'auto' }).click();
    await expect.poll(async () => (await colourBar()).hi).toBeCloseTo(bar.hi, 6);
    await screenshot('compare-difference-2048');
    const lattice = await latticePower(page);
    console.log('difference lattice', JSON.stringify(lattice));
    // Measured on this frame at the fit zoom: 0.96× and 1.06× the neighbours' median along x and y with
    // B bilinear on A's grid; 1.59× and 1.75× with both grids sampled by nearest pixel (the old shader).
    for (const axis of [lattice.x, lattice.y]) expect(axis.atGrid).toBeLessThan(1.3 * axis.neighbours);
  });
});
