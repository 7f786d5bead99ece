import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppServices } from '../../main/services/appServices.js';
import type { JobRecipe } from '../../main/contract/index.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { REPO_ROOT } from './paths.js';

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

/** `prepare` writes into the fresh data folder before the services open it (e.g. a damaged journal). */
export async function openWebSession(
  viewport = { width: 1280, height: 800 },
  prepare?: (dataDir: string) => void,
): Promise<WebSession> {
  const work = mkdtempSync(join(tmpdir(), 'aia-compare-'));
  prepare?.(join(work, 'data'));
  const services = await AppServices.open({
    dataDir: join(work, 'data'),
    cacheDir: join(work, 'cache'),
    threads: 2,
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
