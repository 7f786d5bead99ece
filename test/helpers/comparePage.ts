import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from './paths.js';

/** Compare's page as the e2e tests read it: choosing an observation, the colour bar, the panes drawn. */

/** Chooses a finished job's observation and waits until every level is at full resolution. */
export async function openObservation(page: Page, file: string): Promise<void> {
  await page.getByLabel('Observation').selectOption({ label: basename(file) });
  await expect
    .poll(() => page.getByTestId('load-status').textContent(), { timeout: 120_000 })
    .toBe('Full resolution');
}

/**
 * Waits until the panes' canvas shows all that was asked of it (the pane worker has drawn the last
 * frame the page asked for and no image is on its way): what a screenshot or a read of it must wait for.
 */
export async function panesDrawn(page: Page): Promise<void> {
  await page.locator('[data-testid="panes"][data-drawn="true"]').waitFor();
}

/**
 * With UPDATE_SCREENSHOTS=1, the page as docs/screenshots/<name>.png (for the docs, not compared), once
 * the panes, if shown, are drawn.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (!process.env.UPDATE_SCREENSHOTS) return;
  if (await page.getByTestId('panes').count()) await panesDrawn(page);
  await page.screenshot({ path: join(REPO_ROOT, 'docs/screenshots', `${name}.png`) });
}

/** A colour bar's limits, unit and caption (the first pane's, or the one of `testid`). */
export async function colourBar(page: Page, testid = 'colourbar') {
  const bar = page.getByTestId(testid);
  return {
    lo: Number(await bar.getAttribute('data-lo')),
    hi: Number(await bar.getAttribute('data-hi')),
    unit: await bar.getAttribute('data-unit'),
    caption: await bar.locator('figcaption').textContent(),
  };
}

/** Bright pixels in a 40² patch at the centre of each of `panes` equal panes of the image canvas. */
export async function brightAtPaneCentres(page: Page, panes: number): Promise<number[]> {
  return (await page.evaluate(`((n) => {
    const gl = document.querySelector('.stage canvas');
    const c = document.createElement('canvas'); c.width = gl.width; c.height = gl.height;
    const x = c.getContext('2d'); x.drawImage(gl, 0, 0);
    const w = gl.width / n;
    return Array.from({ length: n }, (_, i) => {
      const d = x.getImageData(i * w + w / 2 - 20, gl.height / 2 - 20, 40, 40).data;
      let bright = 0; for (let k = 0; k < d.length; k += 4) if (d[k] + d[k + 1] + d[k + 2] > 120) bright++;
      return bright;
    });
  })(${panes})`)) as number[];
}

/**
 * The mean RGBA of an 8×8 patch of a canvas (WebGL ones too, read through a 2D copy) centred at the
 * fractions (fx, fy) of its width and height.
 */
export async function canvasPatch(page: Page, selector: string, fx: number, fy: number): Promise<number[]> {
  return (await page.evaluate(`(() => {
    const src = document.querySelector(${JSON.stringify(selector)});
    const c = document.createElement('canvas'); c.width = src.width; c.height = src.height;
    const x = c.getContext('2d'); x.drawImage(src, 0, 0);
    const d = x.getImageData(Math.round(src.width * ${fx}) - 4, Math.round(src.height * ${fy}) - 4, 8, 8).data;
    const sum = [0, 0, 0, 0]; for (let k = 0; k < d.length; k += 4) for (let i = 0; i < 4; i++) sum[i] += d[k + i] / 64;
    return sum;
  })()`)) as number[];
}

/**
 * Where the linked crosshair is drawn in each of `panes` equal panes of the overlay canvas: the
 * centroid (device pixels, from each pane's centre) of its near-white strokes, or undefined.
 */
export async function crosshairs(
  page: Page,
  panes: number,
): Promise<({ x: number; y: number } | undefined)[]> {
  return (await page.evaluate(`((n) => {
    const o = document.querySelector('[data-testid="panes"]');
    const d = o.getContext('2d').getImageData(0, 0, o.width, o.height).data;
    const w = Math.floor(o.width / n);
    return Array.from({ length: n }, (_, p) => {
      let sx = 0, sy = 0, count = 0;
      for (let y = 0; y < o.height; y++)
        for (let x = p * w; x < (p + 1) * w - 2; x++) {
          const k = 4 * (y * o.width + x);
          if (d[k] > 245 && d[k + 1] > 245 && d[k + 2] > 245 && d[k + 3] > 150) (sx += x, sy += y, count++);
        }
      return count ? { x: sx / count - (p * w + (w - 2) / 2), y: sy / count - o.height / 2 } : undefined;
    });
  })(${panes})`)) as ({ x: number; y: number } | undefined)[];
}

/**
 * From the next page load on, every change of Compare's load status, its colour bar's limits or its
 * panes (testid:data-resolution), in order (read with `loadLog`): what the user saw, and when the
 * scale or the layout moved.
 */
export async function recordLoad(page: Page): Promise<void> {
  await page.addInitScript(`
    window.__loadLog = [];
    const seen = () => {
      const bar = document.querySelector('[data-testid="colourbar"]');
      return {
        status: document.querySelector('[data-testid="load-status"]')?.textContent ?? '',
        lo: bar?.getAttribute('data-lo') ?? '',
        hi: bar?.getAttribute('data-hi') ?? '',
        panes: [...document.querySelectorAll('[data-testid^="pane-"]')]
          .map((p) => p.dataset.testid + ':' + p.dataset.resolution).join(','),
      };
    };
    new MutationObserver(() => {
      const now = seen();
      const last = window.__loadLog.at(-1);
      if (!last || Object.keys(now).some((k) => last[k] !== now[k])) window.__loadLog.push(now);
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });`);
}

export interface LoadStep {
  status: string;
  lo: string;
  hi: string;
  panes: string;
}

export async function loadLog(page: Page): Promise<LoadStep[]> {
  return (await page.evaluate('window.__loadLog')) as LoadStep[];
}

/**
 * A PNG (as the app exported it) read in the page: for each of `parts` equal columns, the bright
 * pixels in a 20² patch at the centre of its image (above the 72-pixel strip) and the coloured
 * pixels of its strip's right half (its colour bar).
 */
export async function exportedParts(page: Page, png: Buffer, parts: number) {
  return (await page.evaluate(`(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png.toString('base64')}';
    await image.decode();
    const c = document.createElement('canvas'); c.width = image.width; c.height = image.height;
    const x = c.getContext('2d'); x.drawImage(image, 0, 0);
    const w = image.width / ${parts}, h = image.height - 72;
    return Array.from({ length: ${parts} }, (_, i) => {
      const count = (x0, y0, width, height, test) => {
        const d = x.getImageData(x0, y0, width, height).data;
        let n = 0; for (let k = 0; k < d.length; k += 4) if (test(d[k], d[k + 1], d[k + 2])) n++;
        return n;
      };
      return {
        bright: count(i * w + w / 2 - 10, h / 2 - 10, 20, 20, (r, g, b) => r + g + b > 120),
        barColours: count(i * w + w / 2, h + 10, w / 2 - 30, 12, (r, g, b) => Math.max(r, g, b) - Math.min(r, g, b) > 30),
      };
    });
  })()`)) as { bright: number; barColours: number }[];
}

/** A drag across the panes with a key held: Shift draws a line profile, Control a region box. */
export async function dragWith(
  page: Page,
  key: 'Shift' | 'Control',
  [x0, y0]: [number, number],
  [x1, y1]: [number, number],
): Promise<void> {
  await page.keyboard.down(key);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up(key);
}
