import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppServices, type AppServicesOptions } from '../../main/services/appServices.js';
import type { JobRecipe } from '../../main/contract/index.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { expect } from 'vitest';
import { REPO_ROOT } from './paths.js';

const SCREENSHOTS = join(REPO_ROOT, 'docs/screenshots');

/**
 * Compares a screenshot with the committed one in docs/screenshots (UPDATE_SCREENSHOTS=1, or none
 * committed yet, writes it): at most 3 % of the pixels may differ by more than 24 levels in a channel.
 */
export async function matchScreenshot(page: Page, name: string, shot: Buffer): Promise<void> {
  const path = join(SCREENSHOTS, `${name}.png`);
  if (process.env.UPDATE_SCREENSHOTS || !existsSync(path)) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    writeFileSync(path, shot);
    return;
  }
  // Decoded and compared in the page: share of pixels whose channels differ by more than 24 levels.
  const share = (await page.evaluate(`(async () => {
    const load = (b64) => new Promise((ok) => { const i = new Image(); i.onload = () => ok(i); i.src = 'data:image/png;base64,' + b64; });
    const [a, b] = await Promise.all([load('${readFileSync(path).toString('base64')}'), load('${shot.toString('base64')}')]);
    if (a.width !== b.width || a.height !== b.height) return 1;
    const pixels = (img) => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
      const x = c.getContext('2d'); x.drawImage(img, 0, 0); return x.getImageData(0, 0, c.width, c.height).data; };
    const [pa, pb] = [pixels(a), pixels(b)];
    let bad = 0;
    for (let i = 0; i < pa.length; i += 4)
      if (Math.abs(pa[i] - pb[i]) > 24 || Math.abs(pa[i + 1] - pb[i + 1]) > 24 || Math.abs(pa[i + 2] - pb[i + 2]) > 24) bad++;
    return bad / (pa.length / 4);
  })()`)) as number;
  expect(share, `${name}: share of differing pixels vs docs/screenshots`).toBeLessThan(0.03);
}

/**
 * Web mode for an end-to-end test: the app's services and local server in a scratch folder serving the
 * built renderer, and Debian's Chromium (WebGL2 on SwiftShader) with one page.
 */
export interface WebSession {
  work: string;
  services: AppServices;
  server: LocalServer;
  browser: Browser;
  page: Page;
  /** Submits one file and waits until its job has ended; returns the job's id. */
  process(input: string, recipe: Partial<JobRecipe>): Promise<string>;
  close(): Promise<void>;
}

/** Debian's Chromium as the tests drive it: headless, WebGL2 on SwiftShader, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}

/**
 * `prepare` writes into the fresh data folder before the services open it (e.g. a damaged journal);
 * `options` add to the services' (e.g. `openCluster`).
 */
export async function openWebSession(
  viewport = { width: 1280, height: 800 },
  prepare?: (dataDir: string) => void,
  options: Partial<AppServicesOptions> = {},
): Promise<WebSession> {
  const work = mkdtempSync(join(tmpdir(), 'aia-compare-'));
  prepare?.(join(work, 'data'));
  const services = await AppServices.open({
    dataDir: join(work, 'data'),
    cacheDir: join(work, 'cache'),
    threads: 2,
    ...options,
  });
  const server = await startLocalServer({
    handlers: services.handlers,
    events: services.events,
    staticDir: join(REPO_ROOT, 'renderer/dist'),
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (error) => console.error('page error:', error));
  return {
    work,
    services,
    server,
    browser,
    page,
    async process(input, recipe) {
      const { jobs } = await services.handlers.submitBatch({
        inputs: [input],
        recipe: { outputDir: join(work, 'out'), ...recipe },
      });
      const id = jobs[0].id!;
      await new Promise<void>((ended) => {
        const offs: (() => void)[] = [];
        const end = (job: { id: string }) => job.id === id && (offs.forEach((off) => off()), ended());
        for (const event of ['jobDone', 'jobFailed', 'jobCancelled'] as const)
          offs.push(services.events.on(event, end));
        void services.handlers.getJob({ id }).then((job) => {
          if (!['queued', 'running'].includes(job.state)) end(job);
        });
      });
      return id;
    },
    async close() {
      await browser.close();
      await server.close();
      await services.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
