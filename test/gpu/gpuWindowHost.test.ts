import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/security.js';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { CHROMIUM_ARGS } from '../../main/engine/compute/gpu/hostConnection.js';
import { HostEndpoint, type HostLink } from '../../main/engine/compute/gpu/hostEndpoint.js';
import { hostPageFiles } from '../../main/engine/compute/gpu/hostPage.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { relativeError, rlCase } from './rlCase.js';

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
 * The page's end of a MessageChannel, as HostEndpoint sees Electron's MessagePortMain, and the errors
 * the page reports (a script the CSP refused, an exception).
 */
async function windowLink(): Promise<{ link: HostLink; errors: string[] }> {
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
  return { link, errors };
}

/** Runs a GpuBackend connected to `url` in a worker thread (it blocks its thread while it waits). */
function deconvolveElsewhere(url: string, image: Float64Array, psf: Float64Array): Promise<Float32Array> {
  const backend = pathToFileURL(join(REPO_ROOT, 'dist/main/engine/compute/gpu/gpuBackend.js')).href;
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.backend).then(async ({ GpuBackend }) => {
      const gpu = new GpuBackend({ threads: 1, host: { endpoint: workerData.url } });
      const { image, psf, n, iterations } = workerData;
      const out = gpu.deconvolve(image, n, n, gpu.prepareTransfer(psf, n, n, 'f32'), iterations);
      await gpu.dispose();
      parentPort.postMessage(out);
    }).catch((error) => parentPort.postMessage({ error: error.message }));`,
    { eval: true, workerData: { backend, url, image, psf, n: N, iterations: ITERATIONS } },
  );
  return new Promise((done, failed) => {
    worker.once('message', (m: Float32Array | { error: string }) => {
      void worker.terminate();
      if (m instanceof Float32Array) done(m);
      else failed(new Error(m.error));
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
    const outs = await Promise.all(cases.map((c) => deconvolveElsewhere(endpoint.url, c.image, c.psf)));
    expect(greetings).toHaveLength(1);
    expect(errors).toEqual([]);
    const cpu = new CpuBackend({ threads: 1 });
    for (const [i, { image, psf }] of cases.entries()) {
      const reference = cpu.deconvolve(image, N, N, cpu.prepareTransfer(psf, N, N, 'f64'), ITERATIONS);
      expect(relativeError(outs[i], reference), `case ${i}`).toBeLessThanOrEqual(1e-3);
    }
    await cpu.dispose();
  });

  it('a window that cannot run the page sends connecting backends its reason, not a timeout', async () => {
    endpoint.refuse('the GPU host page did not load: ERR_FAILED');
    const { image, psf } = rlCase(N);
    await expect(deconvolveElsewhere(endpoint.url, image, psf)).rejects.toThrow(
      'the GPU host page did not load: ERR_FAILED',
    );
  });
});
