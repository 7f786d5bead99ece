/**
 * Worker thread between the GpuBackend (which waits for it with Atomics, so that the synchronous
 * ComputeBackend calls stay synchronous) and the GPU host page. Either it serves the page's files and
 * a WebSocket on 127.0.0.1 behind a random token and starts headless Chromium through playwright-core,
 * or it connects to a host that is already running (the Electron hidden window behind the main
 * process's ./hostEndpoint.ts). Either way it relays whole binary messages: request from the backend →
 * socket → page, reply → backend's port, then wakes the backend. A WebSocket rather than CDP because
 * CDP carries binary as base64 inside JSON (a third larger, and parsed), where a socket frame is the
 * raw 64 MiB of a frame.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { chromium, type Browser } from 'playwright-core';
import { WebSocket, WebSocketServer } from 'ws';
import { hostPageFiles } from './hostPage.js';

export type RelayOptions = {
  port: MessagePort;
  signal: SharedArrayBuffer;
} & (
  | {
      chromiumPath: string;
      chromiumArgs: string[];
      /** The page's query (./hostConnection.ts: mode, budgetMiB, count, capture). */
      query: Record<string, string>;
    }
  | { endpoint: string }
);

/** What the relay posts to the backend; `signal[0]` goes to 1 after each post. */
export type RelayReply = { message: ArrayBuffer } | { error: string } | { closed: true };

const options = workerData as RelayOptions;
const signal = new Int32Array(options.signal);

function post(reply: RelayReply, transfer: ArrayBuffer[] = []): void {
  options.port.postMessage(reply, transfer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** Relays between the backend's port and one socket to the page. */
function relay(socket: WebSocket): void {
  socket.binaryType = 'arraybuffer';
  socket.on('message', (data: ArrayBuffer) => post({ message: data }, [data]));
  options.port.on('message', (request: { message?: ArrayBuffer; close?: true }) => {
    if (request.message) socket.send(request.message);
  });
  socket.on('close', () => post({ error: 'the GPU host page closed its connection' }));
}

/** Connects to a running host (the Electron window's relay in the main process). */
async function connect(endpoint: string): Promise<() => Promise<void>> {
  const socket = new WebSocket(endpoint, { maxPayload: 2 ** 31 - 1 });
  relay(socket);
  await new Promise<void>((done, failed) => {
    socket.once('open', done);
    socket.once('error', failed);
  });
  return async () => {
    socket.removeAllListeners('close');
    socket.close();
  };
}

async function launch(launcher: {
  chromiumPath: string;
  chromiumArgs: string[];
  query: Record<string, string>;
}): Promise<() => Promise<void>> {
  const token = randomBytes(16).toString('hex');
  const files = hostPageFiles();
  const server = createServer((request, response) => {
    const [, key, name] = (request.url ?? '').split('?')[0].split('/');
    const path = key === token ? files.get(name) : undefined;
    if (!path) {
      response.writeHead(404).end();
      return;
    }
    readFile(path).then(
      (body) =>
        response
          .writeHead(200, { 'content-type': name.endsWith('.html') ? 'text/html' : 'text/javascript' })
          .end(body),
      () => response.writeHead(500).end(),
    );
  });
  const sockets = new WebSocketServer({ server, path: `/${token}/socket`, maxPayload: 2 ** 31 - 1 });
  sockets.on('connection', relay);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const browser: Browser = await chromium.launch({
    executablePath: launcher.chromiumPath,
    args: launcher.chromiumArgs,
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => post({ error: `GPU host page: ${error.message}` }));
  const query = new URLSearchParams({ ...launcher.query, ws: `ws://127.0.0.1:${port}/${token}/socket` });
  await page.goto(`http://127.0.0.1:${port}/${token}/host.html?${query}`);
  return async () => {
    await browser.close();
    sockets.close();
    server.close();
  };
}

('endpoint' in options ? connect(options.endpoint) : launch(options)).then(
  (close) => {
    options.port.on('message', (request: { close?: true }) => {
      if (request.close) close().finally(() => post({ closed: true }));
    });
  },
  (error: unknown) => post({ error: `could not start the GPU host: ${(error as Error).message}` }),
);
