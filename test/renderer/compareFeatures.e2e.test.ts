import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAstropy } from '../fits/helpers.js';
import { runPython } from '../helpers/childProcess.js';
import { compareWithParent } from '../helpers/cutoutCheck.js';
import { sharedData } from '../helpers/paths.js';
import {
  brightAtPaneCentres,
  colourBar as readColourBar,
  docsScreenshot,
  openObservation as openComparedObservation,
} from '../helpers/comparePage.js';
import { openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Compare's tools for a solar physicist, in web mode on real AIA files: a FITS file on disk opened as
 * a pane (SunPy's own 2014 aiaprep level 1.5 of the 128² frame beside ours) with its header diffed and
 * differenced on the common world grid; FITS cut-outs of the region box, checked with astropy;
 * arcsec axes, the magnifier, contrast/bias drag, blink stepping and the swipe line on the 2048² frame.
 */
const SMALL_L1 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const L1_1600 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
const SUNPY_L15 = sharedData('derived_l15/sunpy_aiaprep2014_of_aia_171_level1_128px.fits');

let web: WebSession;
let page: Page;
let small: string;
let uv: string;

beforeAll(async () => {
  requireAstropy();
  web = await openWebSession();
  page = web.page;
  small = await web.process(SMALL_L1, { levels: ['1.5'] });
  uv = await web.process(L1_1600, { levels: ['1.5'] });
}, 300_000);

afterAll(async () => {
  await web?.close();
});

const openObservation = (file: string) => openComparedObservation(page, file);
const screenshot = (name: string) => docsScreenshot(page, name);
const colourBar = () => readColourBar(page);

/** Ctrl+drag a box of ±half CSS pixels about a point of the panes. */
async function drawBox(x: number, y: number, half: number): Promise<void> {
  await page.keyboard.down('Control');
  await page.mouse.move(x - half, y - half);
  await page.mouse.down();
  await page.mouse.move(x + half, y + half, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Control');
}
/** Clicks a FITS cut-out button and returns the downloaded file's path and the region in its name. */
async function downloadCutout(label: string) {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: label, exact: true }).click();
  const note = page.getByTestId('cutout-note');
  const file = await Promise.race([
    download,
    note
      .filter({ hasText: /failed|does not cover/ })
      .waitFor()
      .then(async () => {
        throw new Error(`no download: ${await note.textContent()}`);
      }),
  ]);
  const name = file.suggestedFilename();
  const match = /_cutout_(\d+)_(\d+)_(\d+)x(\d+)\.fits$/.exec(name);
  expect(match, name).not.toBeNull();
  const [x, y, width, height] = match!.slice(1).map(Number);
  return { path: (await file.path())!, name, region: { x: x - 1, y: y - 1, width, height } };
}

describe('Compare tools in web mode', () => {
  it("opens a FITS file on disk as a pane beside the job's levels; the header diff has its column", async () => {
    expect((await web.services.handlers.getJob({ id: small })).state).toBe('done');
    await page.goto(web.server.url);
    await page.getByRole('tab', { name: 'Compare' }).click();
    await openObservation(SMALL_L1);
    await page.getByRole('button', { name: 'Open FITS file…' }).click();
    const chooser = page.getByRole('dialog', { name: 'Open a FITS file as a pane' });
    await chooser.getByRole('textbox', { name: 'Folder' }).fill(dirname(SUNPY_L15));
    await chooser.getByRole('button', { name: 'Go' }).click();
    await chooser.getByRole('button', { name: `Open ${basename(SUNPY_L15)}` }).click();
    expect(await chooser.count()).toBe(0);
    const pane = page.getByTestId('pane-file');
    await expect.poll(() => pane.getAttribute('data-resolution')).toBe('full');
    expect(await pane.textContent()).toContain(`Opened file${basename(SUNPY_L15)} · 171 Å · 2011-02-15`);
    expect(await page.getByTestId('opened-file').textContent()).toBe(basename(SUNPY_L15));
    // Three panes, each drawn.
    // each pane's texture goes up in bands after its own fetch: wait for all three, not only the first
    await expect
      .poll(() => brightAtPaneCentres(page, 3), { timeout: 60_000 })
      .toSatisfy((bright: number[]) => bright.every((b) => b > 100));
    // The header diff: a column for the file; keywords where SunPy's product and ours disagree.
    const header = page.getByRole('region', { name: 'Header' });
    expect(await header.locator('thead th').allTextContents()).toEqual([
      'keyword',
      'Level 1',
      'Level 1.5',
      'Opened file',
    ]);
    const history = header.locator('tr.differs', { hasText: 'LVL_NUM' });
    expect(await history.locator('td').allTextContents()).toEqual(['LVL_NUM', '1', '1.5', '1.5']);
    // The readout has a row for it at the same place on the Sun.
    const box = (await page.getByTestId('panes').boundingBox())!;
    await page.mouse.move(box.x + box.width / 6 + 10, box.y + box.height / 2 + 10);
    expect(await page.locator('tr[data-level="file"]').textContent()).toMatch(/Opened file\s*[\d.]+/);
    await screenshot('compare-opened-file');
  });

  it('differences our level 1.5 against the opened file on the common world grid', async () => {
    await page.getByRole('radio', { name: 'Difference' }).click();
    await page.getByLabel('B', { exact: true }).selectOption({ label: 'Opened file' });
    const pane = page.getByTestId('pane-difference');
    await pane.waitFor();
    expect(await pane.textContent()).toMatch(/Level 1\.5 − Opened file \(on Level 1\.5's grid\)/);
    const bar = await colourBar();
    expect(bar.caption).toMatch(/Level 1\.5 − Opened file/);
    expect(bar.lo).toBeCloseTo(-bar.hi, 6);
    // The automatic limit is the 99.5th percentile of |A − B| on the common grid: numpy says the same.
    const job = await web.services.handlers.getJob({ id: small });
    const numpy = await runPython([
      '-c',
      `import sys, warnings; warnings.simplefilter('ignore')
import numpy as np; from astropy.io import fits
d = np.abs(fits.getdata(sys.argv[1]).astype(np.float64) - fits.getdata(sys.argv[2]))
print(np.percentile(d[np.isfinite(d)], 99.5))`,
      job.outputs[0].path,
      SUNPY_L15,
    ]);
    expect(numpy.status, numpy.stderr).toBe(0);
    // SunPy's 2014 aiaprep moved this frame by about a pixel (its mean |difference| to level 1 is
    // smallest at a (−1, +1) shift; ours at none): the A/B check shows it.
    console.log('difference limit 1.5 − SunPy 2014', bar.hi, 'numpy', numpy.stdout.trim());
    expect(bar.hi / Number(numpy.stdout)).toBeCloseTo(1, 3);
    await screenshot('compare-difference-opened-file');
    await page.getByRole('radio', { name: 'Side by side' }).click();
  });

  it('cuts the region box out as FITS files whose WCS astropy reads as the parents’', async () => {
    const box = (await page.getByTestId('panes').boundingBox())!;
    await drawBox(box.x + box.width / 6, box.y + box.height / 2, 50);
    const job = await web.services.handlers.getJob({ id: small });
    for (const [label, parent] of [
      ['FITS cut-out of Level 1.5', job.outputs[0].path],
      ['FITS cut-out of Opened file', SUNPY_L15],
      ['FITS cut-out of Level 1', SMALL_L1],
    ] as const) {
      const cut = await downloadCutout(label);
      expect(cut.region.width).toBeGreaterThan(3);
      const check = await compareWithParent(parent, cut.path, cut.region);
      expect(check, label).toMatchObject({ verify: 'ok', nanMatch: true, value: 0 });
      expect(check.shape).toEqual([cut.region.height, cut.region.width]);
      expect(check.worldArcsec, label).toBeLessThan(1e-6);
      expect(await page.getByTestId('cutout-note').textContent()).toContain(`downloaded as ${cut.name}`);
    }
    // Closing the file takes its pane away; switching observation would too.
    await page.getByRole('button', { name: 'Close the opened file' }).click();
    expect(await page.getByTestId('pane-file').count()).toBe(0);
  });

  it('2048²: arcsec axes and the helioprojective grid; 1:1; the magnifier shows the pixel under the pointer', async () => {
    expect((await web.services.handlers.getJob({ id: uv })).state).toBe('done');
    await page.goto(web.server.url);
    await page.getByRole('tab', { name: 'Compare' }).click();
    await openObservation(L1_1600);
    // Fitted: the Sun in the middle of each pane, Tx ticks through 0″ at round values.
    const ticks = page.getByTestId('axes-1').locator('[data-axis="x"] text');
    const labels = await ticks.allTextContents();
    expect(labels).toContain('0″');
    expect(labels).toContain('Tx');
    const values = labels.filter((l) => l.endsWith('″')).map((l) => Number(l.slice(0, -1)));
    expect(values.every((v) => v % 100 === 0)).toBe(true);
    expect(Math.max(...values)).toBeGreaterThanOrEqual(1000);
    // Every Tx number whole inside its pane (none cut by the edge or running into the next pane's),
    // and no Ty number over them along the bottom.
    const axisClashes = () =>
      page.evaluate(`[...document.querySelectorAll('[data-testid^="axes-"]')].flatMap((svg) => {
        const pane = svg.getBoundingClientRect();
        const boxes = (axis) => [...svg.querySelectorAll('[data-axis="' + axis + '"] text')].map((t) => [t.textContent, t.getBoundingClientRect()]);
        const xs = boxes('x');
        const over = (b, x) => b.left < x.right && x.left < b.right && b.top < x.bottom && x.top < b.bottom;
        return [
          ...xs.filter(([, b]) => b.left < pane.left || b.right > pane.right).map(([t]) => 'cut ' + t),
          ...boxes('y').filter(([, b]) => xs.some(([, x]) => over(b, x))).map(([t]) => 'over ' + t),
        ];
      })`);
    expect(await axisClashes()).toEqual([]);
    expect(await page.getByTestId('axes-2').count()).toBe(1);
    await page.getByLabel('HP grid').check();
    const axes = page.getByTestId('axes-1');
    // A grid line through every tick of either axis.
    expect(await axes.locator('.grid line').count()).toBe(
      (await axes.locator('[data-axis="x"] line').count()) +
        (await axes.locator('[data-axis="y"] line').count()),
    );
    // 1:1: one screen pixel per data pixel, said by the zoom indicator; the axes follow.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('x');
    await expect
      .poll(async () => Number(await page.getByTestId('zoom').getAttribute('data-zoom')))
      .toBeCloseTo(1, 6);
    expect(await page.getByTestId('zoom').textContent()).toMatch(/^1\.00:1 screen:data px/);
    const closer = (await ticks.allTextContents())
      .filter((l) => l.endsWith('″'))
      .map((l) => Number(l.slice(0, -1)));
    expect(Math.max(...closer)).toBeLessThan(Math.max(...values));
    expect(await axisClashes()).toEqual([]);
    await screenshot('compare-axes-2048');
    // The magnifier: its centre is the data pixel under the pointer, in the pane's colours (zoomed to
    // about 6 screen pixels a data pixel, so that pixel is under the pointer's screen pixel too).
    for (let k = 0; k < 8; k++) await page.keyboard.press('+');
    await page.getByLabel('magnifier').check();
    const panes = (await page.getByTestId('panes').boundingBox())!;
    const [px, py] = [panes.x + panes.width / 4 + 37, panes.y + panes.height / 2 - 23];
    await page.mouse.move(px, py);
    const loupe = page.getByTestId('magnifier');
    await expect.poll(() => loupe.getAttribute('data-level')).toBe('1');
    const colours = (await page.evaluate(
      `(([x, y]) => {
        const gl = document.querySelector('.stage canvas');
        const r = gl.getBoundingClientRect();
        const c = document.createElement('canvas'); c.width = gl.width; c.height = gl.height;
        const ctx = c.getContext('2d'); ctx.drawImage(gl, 0, 0);
        const ratio = gl.width / r.width;
        const screen = [...ctx.getImageData(Math.floor((x - r.left) * ratio), Math.floor((y - r.top) * ratio), 1, 1).data];
        const l = document.querySelector('[data-testid="magnifier"]');
        const centre = [...l.getContext('2d').getImageData(l.width / 2, l.height / 2, 1, 1).data];
        return { screen, centre };
      })([${px}, ${py}])`,
    )) as { screen: number[]; centre: number[] };
    console.log('magnifier centre vs screen', JSON.stringify(colours));
    for (let k = 0; k < 3; k++)
      expect(Math.abs(colours.centre[k] - colours.screen[k])).toBeLessThanOrEqual(6);
    await screenshot('compare-magnifier-2048');
    await page.getByLabel('magnifier').uncheck();
    await page.getByLabel('HP grid').uncheck();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('0');
    // Loading the page and both observations again: beside another e2e file, over two minutes.
  }, 300_000);

  it('right-drag sets contrast and bias of the pane’s scale, as DS9 does', async () => {
    const panes = (await page.getByTestId('panes').boundingBox())!;
    const before = await colourBar();
    const [x, y] = [panes.x + panes.width / 4, panes.y + panes.height / 2];
    // Up: more contrast (a narrower window about the same centre).
    await page.mouse.move(x, y);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(x, y - panes.height * 0.2, { steps: 4 });
    await page.mouse.up({ button: 'right' });
    const narrower = await colourBar();
    expect(narrower.hi - narrower.lo).toBeLessThan(0.8 * (before.hi - before.lo));
    expect((narrower.hi + narrower.lo) / 2).toBeCloseTo((before.hi + before.lo) / 2, 3);
    // Right: the window moves down the values (bias); its width stays.
    await page.mouse.move(x, y);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(x + panes.width * 0.1, y, { steps: 4 });
    await page.mouse.up({ button: 'right' });
    const biased = await colourBar();
    expect(biased.hi - biased.lo).toBeCloseTo(narrower.hi - narrower.lo, 3);
    expect(biased.lo).toBeLessThan(narrower.lo);
    // The typed limits show it, both panes share it, and "auto" gives the automatic scale back.
    expect(Number(await page.getByTestId('limit-hi').inputValue())).toBeCloseTo(biased.hi, 0);
    expect(biased.caption).toMatch(/Level 1, Level 1\.5/);
    await page.getByRole('button', { name: 'auto' }).click();
    expect((await colourBar()).hi).toBeCloseTo(before.hi, 6);
  });

  it('blink steps by hand; the swipe line is dragged', async () => {
    await page.getByRole('radio', { name: 'Blink' }).click();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('.');
    const shown = async () =>
      (await page.locator('[data-testid^="pane-"]').first().getAttribute('data-testid'))!.slice(
        'pane-'.length,
      );
    const first = await shown();
    expect(Number(await page.locator('#blink-ms').inputValue())).toBe(0);
    await page.keyboard.press('.');
    const second = await shown();
    expect(new Set([first, second])).toEqual(new Set(['1', '1.5']));
    await page.keyboard.press(',');
    expect(await shown()).toBe(first);
    await page.getByRole('radio', { name: 'Swipe' }).click();
    await page.getByTestId('pane-swipe').waitFor();
    const panes = (await page.getByTestId('panes').boundingBox())!;
    const split = Number(await page.locator('#swipe').inputValue());
    await page.mouse.move(panes.x + split * panes.width, panes.y + panes.height / 2);
    await page.mouse.down();
    await page.mouse.move(panes.x + 0.3 * panes.width, panes.y + panes.height / 2, { steps: 5 });
    await page.mouse.up();
    expect(Number(await page.locator('#swipe').inputValue())).toBeCloseTo(0.3, 1);
    await screenshot('compare-swipe-2048');
    await page.getByRole('radio', { name: 'Side by side' }).click();
  });

  it('exports the full-resolution PNG with the colour bar strip (2048² frame)', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const png = readFileSync((await (await download).path())!);
    expect((await download).suggestedFilename()).toMatch(/^aia-studio-aia_lev1_1600a_.*-lev1\.png$/);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2048, 2048 + 72]);
  });
});
