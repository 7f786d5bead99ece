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

/** With UPDATE_SCREENSHOTS=1, the page as docs/screenshots/<name>.png (for the docs, not compared). */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS)
    await page.screenshot({ path: join(REPO_ROOT, 'docs/screenshots', `${name}.png`) });
}

/** The colour bar's limits, unit and caption. */
export async function colourBar(page: Page) {
  const bar = page.getByTestId('colourbar');
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
