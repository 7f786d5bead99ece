/**
 * Worker thread between the GpuBackend (which waits for it with Atomics, so that the synchronous
 * ComputeBackend calls stay synchronous) and the GPU host page. Either it serves the page's files and
 * a WebSocket on 127.0.0.1 behind a random token and starts headless Chromium through playwright-core,
 * or it connects to a host that is already running (the Electron hidden window behind the main
 * process's ./hostEndpoint.ts). Either way it relays whole binary messages: request from the backend →
 * socket → page, reply → backend's port, then wakes the backend. A WebSocket rather than CDP because
 * CDP carries binary as base64 inside JSON (a third larger, and parsed), where a socket frame is the
 * raw 64 MiB of a frame.
 *
 * A Chromium it started whose page crashes, exits, or hangs (the backend says so when a request
 * times out) is started again, as electron/gpuHost.ts restarts its window: the request in flight fails
 * saying what happened, the next one goes to the new page (the backend uploads its OTFs again when
 * the page says it has none), and past the RestartPolicy's limit the page is given up with that reason.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { WebSocket, WebSocketServer } from 'ws';
import { RestartPolicy } from '../../../restartPolicy.js';
import { hostPageFiles } from './hostPage.js';
import { decodeMessage, OP, textPayload } from './protocol.js';

export type RelayOptions = {
  port: MessagePort;
  signal: SharedArrayBuffer;
} & (
  | {
      chromiumPath: string;
      chromiumArgs: string[];
      /** The page's query (./hostConnection.ts: mode, budgetMiB, count, capture). */
      query: Record<string, string>;
      /** Crashes within a minute after which Chromium is not started again (RestartPolicy). */
      restartLimit: number;
    }
  | { endpoint: string }
);

/** What the backend posts to the relay. */
export type RelayRequest =
  | { message: ArrayBuffer }
  | { close: true }
  /**
   * The request in flight was not answered in time (the page hangs): a Chromium the relay started is
   * started again (the Electron window watches its own hangs).
   */
  | { hung: string }
  /** Fault injection (tests, developers): what befalls the page under the next request. */
  | { faultNext: HostFault };

/** The page's renderer crashes, Chromium crashes, or the page stops answering. */
export type HostFault = 'crashPage' | 'crashBrowser' | 'hang';

/**
 * What the relay posts to the backend; `signal[0]` goes to 1 after each post. `restarted`: the request
 * in flight went with a page that crashed, and a new page is ready.
 */
export type RelayReply =
  { message: ArrayBuffer } | { error: string } | { restarted: string } | { closed: true };

const options = workerData as RelayOptions;
const signal = new Int32Array(options.signal);

function post(reply: RelayReply, transfer: ArrayBuffer[] = []): void {
  options.port.postMessage(reply, transfer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** Relays between the backend's port and one socket to a running host. */
function relay(socket: WebSocket): void {
  socket.binaryType = 'arraybuffer';
  socket.on('message', (data: ArrayBuffer) => post({ message: data }, [data]));
  options.port.on('message', (request: RelayRequest) => {
    if ('message' in request) socket.send(request.message);
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

/** One Chromium running the page, once the page has greeted over its socket. */
interface Run {
  browser: Browser;
  page: Page;
  socket: WebSocket;
  hello: ArrayBuffer;
}

async function launch(launcher: {
  chromiumPath: string;
  chromiumArgs: string[];
  query: Record<string, string>;
  restartLimit: number;
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
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const query = new URLSearchParams({ ...launcher.query, ws: `ws://127.0.0.1:${port}/${token}/socket` });

  const start = async (): Promise<Run> => {
    const browser = await chromium.launch({
      executablePath: launcher.chromiumPath,
      args: launcher.chromiumArgs,
    });
    try {
      const page = await browser.newPage();
      page.on('pageerror', (error) => post({ error: `GPU host page: ${error.message}` }));
      // one page at a time: the next connection is this page's, its first message the greeting
      const greeted = new Promise<[WebSocket, ArrayBuffer]>((done) =>
        sockets.once('connection', (socket) => {
          socket.binaryType = 'arraybuffer';
          socket.once('message', (hello: ArrayBuffer) => done([socket, hello]));
        }),
      );
      await page.goto(`http://127.0.0.1:${port}/${token}/host.html?${query}`);
      const [socket, hello] = await greeted;
      return { browser, page, socket, hello };
    } catch (error) {
      await browser.close();
      throw error;
    }
  };

  const restarts = new RestartPolicy(launcher.restartLimit);
  let current: Run | undefined;
  let run: Promise<Run>;
  /** A request was sent to the current page and not answered yet. */
  let waiting = false;
  let faultNext: HostFault | undefined;
  let closing = false;

  const watch = (started: Run): Run => {
    current = started;
    started.socket.on('message', (data: ArrayBuffer) => {
      waiting = false;
      post({ message: data }, [data]);
    });
    // The page's socket closes too, but after or before these: they tell what happened.
    started.page.on('crash', () => lost(started, 'the GPU host page crashed (its renderer process died)'));
    started.browser.on('disconnected', () => lost(started, "the GPU host's Chromium exited"));
    return started;
  };

  /**
   * The page is gone (or hangs): Chromium is started again whole, since a crashed renderer may have
   * taken the GPU process's state with it, and a relaunch costs little beside a crash. The request in
   * flight, if any, fails once the outcome is known.
   */
  const lost = (was: Run, reason: string): void => {
    if (current !== was || closing) return;
    current = undefined;
    const failed = waiting;
    waiting = false;
    void was.browser.close().catch(() => undefined);
    if (!restarts.crashed(Date.now())) {
      const why = `the GPU host kept failing (${reason}); it was given up`;
      run = Promise.reject(new Error(why));
      run.catch(() => undefined);
      if (failed) post({ error: why });
      return;
    }
    run = start().then(async (started) => {
      const said = decodeMessage(started.hello);
      if (said.op === OP.hello) return watch(started);
      await started.browser.close();
      throw new Error(textPayload(said.payloads[0]));
    });
    void run.then(
      () => {
        if (failed) post({ restarted: `${reason}; Chromium was restarted` });
      },
      (error: Error) => {
        if (failed) post({ error: `${reason}, and Chromium could not be restarted: ${error.message}` });
      },
    );
  };

  const send = (message: ArrayBuffer) =>
    run.then(
      async (to) => {
        const fault = faultNext;
        faultNext = undefined;
        const cdp = fault && (await pause(to));
        waiting = true;
        to.socket.send(message);
        if (fault === 'crashPage') void cdp?.send('Page.crash').catch(() => undefined);
        if (fault === 'crashBrowser') void crashBrowser(to);
      },
      (error: Error) => post({ error: error.message }),
    );

  run = start().then(watch);
  const first = await run;
  post({ message: first.hello }, [first.hello]);
  options.port.on('message', (request: RelayRequest) => {
    if ('message' in request) void send(request.message);
    if ('faultNext' in request) faultNext = request.faultNext;
    if ('hung' in request && current) {
      // the backend has failed that request already
      waiting = false;
      lost(current, request.hung);
    }
  });
  return async () => {
    closing = true;
    await run.then((last) => last.browser.close()).catch(() => undefined);
    sockets.close();
    server.close();
  };
}

/**
 * Fault injection: the page's JavaScript stops at its next statement (the debugger's pause), so the
 * next request stays on the page, unanswered, until the fault befalls it.
 */
async function pause(run: Run): Promise<CDPSession> {
  const cdp = await run.page.context().newCDPSession(run.page);
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  return cdp;
}

async function crashBrowser(run: Run): Promise<void> {
  const cdp = await run.browser.newBrowserCDPSession();
  await cdp.send('Browser.crash').catch(() => undefined);
}

('endpoint' in options ? connect(options.endpoint) : launch(options)).then(
  (close) => {
    options.port.on('message', (request: RelayRequest) => {
      if ('close' in request) close().finally(() => post({ closed: true }));
    });
  },
  (error: unknown) => post({ error: `could not start the GPU host: ${(error as Error).message}` }),
);
