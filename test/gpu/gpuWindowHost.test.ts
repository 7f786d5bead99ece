import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/security.js';
import { CHROMIUM_ARGS } from '../../main/gpuHost/hostConnection.js';
import { HostEndpoint, type HostLink } from '../../main/gpuHost/hostEndpoint.js';
import { hostPageFiles } from '../../main/gpuHost/hostPage.js';
import { decodeMessage, OP } from '../../main/engine/compute/gpu/protocol.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { cpuDeconvolved, relativeError, rlCase } from './rlCase.js';

/*
 * The desktop path of the GPU backend without Electron (no binary here): the built host page as the
 * hidden window loads it (under the app's Content-Security-Policy, handed a MessagePort by
 * postMessage('aia-gpu-host'), as electron/gpuHostPreload.ts does), the main process's relay
 * (HostEndpoint, as electron/gpuHost.ts runs it) and GpuBackends that connect to it by URL from other
 * threads, as the services' utility process would. Only Electron's MessagePortMain is stood in
 * for: playwright carries the page port's messages to and from Node (base64; small images only).
 */
const N = 64;
const ITERATIONS = 3;

let server: Server;
let browser: Browser;
let endpoint: HostEndpoint;

beforeAll(async () => {
  const files = hostPageFiles();
  server = createServer((request, response) => {
    const path = files.get((request.url ?? '').split('?')[0].slice(1));
    if (!path) return void response.writeHead(404).end();
    void readFile(path).then((body) =>
      response
        .writeHead(200, {
          'content-type': path.endsWith('.html') ? 'text/html' : 'text/javascript',
          'content-security-policy': CONTENT_SECURITY_POLICY,
        })
        .end(body),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  endpoint = await HostEndpoint.open();
});

afterAll(async () => {
  await endpoint?.close();
  await browser?.close();
  server?.close();
});

/**
 * In the page (this test's TypeScript has no DOM types, so it is a string): what the preload does —
 * post one end of a MessageChannel to the page as 'aia-gpu-host' — with the other end carried to Node.
 */
const PORT_BRIDGE = `{
  const channel = new MessageChannel();
  const toBase64 = (buffer) => {
    let text = '';
    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
    return btoa(text);
  };
  channel.port1.onmessage = (event) => aiaToNode(toBase64(event.data));
  window.aiaFromNode = (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    channel.port1.postMessage(bytes.buffer, [bytes.buffer]);
  };
  window.postMessage('aia-gpu-host', location.origin, [channel.port2]);
}`;

/**
 * The page's end of a MessageChannel, as HostEndpoint sees Electron's MessagePortMain, the errors the
 * page reports (a script the CSP refused, an exception), and the page itself (to crash it).
 */
async function windowLink(): Promise<{ link: HostLink; errors: string[]; page: Page }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/host.html`);
  let listener: (message: ArrayBuffer) => void = () => undefined;
  await page.exposeFunction('aiaToNode', (base64: string) => {
    const bytes = Buffer.from(base64, 'base64');
    listener(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  });
  await page.evaluate(PORT_BRIDGE);
  const link: HostLink = {
    send: (message) => void page.evaluate(`aiaFromNode('${Buffer.from(message).toString('base64')}')`),
    onMessage: (receive) => {
      listener = receive;
    },
  };
  return { link, errors, page };
}

/**
 * A window whose renderer crashes when the `nth` deconvolve reaches its port (that request is on the
 * page, never answered): `then` does what electron/gpuHost.ts does next.
 */
async function crashingWindow(nth: number, then: () => void): Promise<HostLink> {
  const { link, page } = await windowLink();
  let deconvolves = 0;
  page.once('crash', then);
  return {
    send: (message) => {
      if (decodeMessage(message).op === OP.deconvolve && ++deconvolves === nth) {
        void page
          .context()
          .newCDPSession(page)
          .then((cdp) => cdp.send('Page.crash').catch(() => undefined));
      } else link.send(message);
    },
    onMessage: link.onMessage,
  };
}

/** A job's result, or how it failed. */
type Outcome = Float32Array | { name: string; message: string };

/**
 * Runs a GpuBackend connected to `url` in a worker thread (it blocks its thread while it waits):
 * `jobs` deconvolutions of one image with one OTF, then the OTFs the page held after the last.
 */
async function deconvolveElsewhere(
  url: string,
  image: Float64Array,
  psf: Float64Array,
  jobs = 1,
): Promise<{ outcomes: Outcome[]; transfers?: number }> {
  const backend = pathToFileURL(join(REPO_ROOT, 'dist/main/gpuHost/chooseBackend.js')).href;
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.backend).then(async ({ startGpuBackend }) => {
      const gpu = startGpuBackend({ threads: 1, host: { endpoint: workerData.url } });
      const { image, psf, n, iterations } = workerData;
      const otf = gpu.prepareTransfer(psf, n, n, 'f32');
      const outcomes = [];
      for (let job = 0; job < workerData.jobs; job++) {
        try {
          outcomes.push(await gpu.deconvolve(image, n, n, otf, iterations));
        } catch (error) {
          outcomes.push({ name: error.name, message: error.message });
        }
      }
      const transfers = gpu.record.memory?.transfers;
      await gpu.dispose();
      parentPort.postMessage({ outcomes, transfers });
    }).catch((error) => parentPort.postMessage({ error: error.message }));`,
    { eval: true, workerData: { backend, url, image, psf, n: N, iterations: ITERATIONS, jobs } },
  );
  return new Promise((done, failed) => {
    worker.once('message', (m: { outcomes: Outcome[]; transfers?: number } | { error: string }) => {
      void worker.terminate();
      if ('error' in m) failed(new Error(m.error));
      else done(m);
    });
    worker.once('error', failed);
  });
}

describe('GPU host in a window (the desktop path)', () => {
  it('says hello over its port, and two backends sharing it through the relay deconvolve right', async () => {
    const greetings: ArrayBuffer[] = [];
    const { link, errors } = await windowLink();
    endpoint.attach(link, (greeting) => greetings.push(greeting));
    // the queue may hold two GPU backends (one per backend choice): both talk to the one page at once
    const cases = [rlCase(N, 171), rlCase(N, 193)];
    const runs = await Promise.all(cases.map((c) => deconvolveElsewhere(endpoint.url, c.image, c.psf)));
    expect(greetings).toHaveLength(1);
    expect(errors).toEqual([]);
    for (const [i, { image, psf }] of cases.entries()) {
      const reference = await cpuDeconvolved(image, psf, N, ITERATIONS);
      expect(relativeError(runs[i].outcomes[0] as Float32Array, reference), `case ${i}`).toBeLessThanOrEqual(
        1e-3,
      );
    }
  });

  it('a window that crashes under a job fails that job, and the backend goes on with the next window', async () => {
    const reason = "the GPU host window's page is gone (crashed)";
    const windows: HostLink[] = [];
    // as electron/gpuHost.ts: the crash is reported to the endpoint, and a new window gets its port
    const first = await crashingWindow(2, () => {
      endpoint.lost(reason);
      void windowLink().then(({ link }) => {
        windows.push(link);
        endpoint.attach(link, () => undefined);
      });
    });
    endpoint.attach(first, () => undefined);
    const { image, psf } = rlCase(N);
    const { outcomes, transfers } = await deconvolveElsewhere(endpoint.url, image, psf, 3);
    const reference = await cpuDeconvolved(image, psf, N, ITERATIONS);
    expect(relativeError(outcomes[0] as Float32Array, reference)).toBeLessThanOrEqual(1e-3);
    expect(outcomes[1]).toEqual({
      name: 'GpuHostRestartedError',
      message: `${reason}; the window was restarted`,
    });
    expect(windows).toHaveLength(1);
    expect(relativeError(outcomes[2] as Float32Array, reference)).toBeLessThanOrEqual(1e-3);
    // the new page had no OTF: the backend uploaded the one it kept
    expect(transfers).toBe(1);
  });

  it('a window its owner gives up fails the job on it and every later one with the reason', async () => {
    const reason = 'the GPU host kept failing (crashed)';
    // as electron/gpuHost.ts past its RestartPolicy's limit: lost, then refused, no new window
    endpoint.attach(
      await crashingWindow(1, () => {
        endpoint.lost("the GPU host window's page is gone (crashed)");
        endpoint.refuse(reason);
      }),
      () => undefined,
    );
    const { image, psf } = rlCase(N);
    const { outcomes } = await deconvolveElsewhere(endpoint.url, image, psf, 2);
    expect(outcomes).toEqual([
      { name: 'Error', message: reason },
      { name: 'Error', message: reason },
    ]);
  });

  it('a window that cannot run the page sends connecting backends its reason, not a timeout', async () => {
    endpoint.refuse('the GPU host page did not load: ERR_FAILED');
    const { image, psf } = rlCase(N);
    await expect(deconvolveElsewhere(endpoint.url, image, psf)).rejects.toThrow(
      'the GPU host page did not load: ERR_FAILED',
    );
  });
});
