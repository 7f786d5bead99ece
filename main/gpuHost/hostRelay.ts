/**
 * Worker thread between the GpuBackend's HostConnection (which may wait for it with Atomics, for the
 * synchronous ComputeBackend calls) and the GPU host page. Either it serves the page's files and
 * a WebSocket on 127.0.0.1 behind a random token and starts headless Chromium (./chromiumProcess.ts),
 * or it connects to a host that is already running (the Electron hidden window behind the main
 * process's ./hostEndpoint.ts). Either way it relays whole binary messages: request from the backend →
 * socket → page, reply → backend's port, then wakes the backend. A WebSocket rather than CDP because
 * CDP carries binary as base64 inside JSON (a third larger, and parsed), where a socket frame is the
 * raw 64 MiB of a frame.
 *
 * A Chromium it started whose page crashes, exits, or hangs (the backend says so when a request
 * times out) is started again, as electron/gpuHost.ts restarts its window, and a connected relay
 * follows the endpoint to the window's next page: the requests in flight fail saying what happened,
 * the next one goes to the new page (the backend uploads its OTFs again when the page says it has
 * none), and past the RestartPolicy's limit (the relay's, or the window owner's refusal) the page is
 * given up with that reason.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import type { HostFault } from '../engine/compute/gpu/hostTransport.js';
import { decodeMessage, OP, textPayload } from '../engine/compute/gpu/protocol.js';
import { RestartPolicy } from '../restartPolicy.js';
import { ChromiumProcess } from './chromiumProcess.js';
import { PAGE_REPLACED } from './hostEndpoint.js';
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

/**
 * What the relay posts to the backend; `signal[0]` goes to 1 after each post. `restarted`: the request
 * in flight went with a page that was lost, and a new page is ready.
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

/** A page's socket, once the page has greeted over it. */
interface Greeted {
  socket: WebSocket;
  hello: ArrayBuffer;
}

/** What replaces a lost page: the next one once it has said hello, and what to tell the backend. */
interface Replacement<T> {
  page: Promise<T>;
  /** For the request in flight when the new page is ready (GpuHostRestartedError). */
  restarted: string;
  /** For the request in flight when there is no new page. */
  failed: (error: Error) => string;
}

/**
 * The page the backend's requests go to, in either mode, and what replaces it when it is lost: a
 * request waits for the page being started, the request in flight when the page went fails once the
 * outcome is known, and after a page is given up every request fails with the reason.
 */
class PageLine<T extends Greeted> {
  private page: Promise<T>;
  private current?: T;
  /** Requests sent to the current page and not answered yet (the page answers in order). */
  private waiting = 0;

  /** `watch` adds the mode's own signs that a page is lost. */
  constructor(
    first: T,
    private readonly watch: (page: T) => void,
  ) {
    this.page = Promise.resolve(this.use(first));
  }

  /** The page requests go to, once it is there; rejected with the reason once given up. */
  ready(): Promise<T> {
    return this.page;
  }

  /** `use` runs with the page once it is there; without one, the backend is told why. */
  whenReady(use: (page: T) => Promise<void> | void): Promise<void> {
    return this.page.then(use, (error: Error) => post({ error: error.message }));
  }

  /** Sends a request to `page` (from `whenReady`); its reply goes to the backend. */
  send(page: T, message: ArrayBuffer): void {
    this.waiting++;
    page.socket.send(message);
  }

  /** The backend has failed the requests in flight (one timed out); the page they were on, if current. */
  abandon(): T | undefined {
    this.waiting = 0;
    return this.current;
  }

  /**
   * `was` is gone, if it still is the current page: `replace` starts the next one, or says why there
   * will be none. The requests in flight, if any, fail once that is known.
   */
  lost(was: T, replace: () => Replacement<T> | string): void {
    if (this.current !== was) return;
    this.current = undefined;
    const failed = this.waiting > 0;
    this.waiting = 0;
    const next = replace();
    if (typeof next === 'string') {
      this.page = Promise.reject(new Error(next));
      this.page.catch(() => undefined);
      if (failed) post({ error: next });
      return;
    }
    this.page = next.page.then((page) => this.use(page));
    void this.page.then(
      () => {
        if (failed) post({ restarted: next.restarted });
      },
      (error: Error) => {
        if (failed) post({ error: next.failed(error) });
      },
    );
  }

  private use(page: T): T {
    this.current = page;
    page.socket.on('message', (data: ArrayBuffer) => {
      this.waiting = Math.max(0, this.waiting - 1);
      post({ message: data }, [data]);
    });
    this.watch(page);
    return page;
  }
}

/** `page` if its greeting is a hello; otherwise it is closed and the greeting's reason thrown. */
async function saidHello<T extends Greeted>(page: T, close: () => Promise<void>): Promise<T> {
  const said = decodeMessage(page.hello);
  if (said.op === OP.hello) return page;
  await close();
  throw new Error(textPayload(said.payloads[0]));
}

/**
 * Connects to a running host (the Electron window behind the main process's ./hostEndpoint.ts). When
 * the endpoint's page is lost it closes the socket with PAGE_REPLACED: the relay connects again and
 * the next page's greeting, or the endpoint's refusal, tells the request in flight what happened.
 * How often a window may be restarted is its owner's RestartPolicy (electron/gpuHost.ts).
 */
async function connect(endpoint: string): Promise<() => Promise<void>> {
  let closing = false;
  const open = (): Promise<Greeted> =>
    new Promise<Greeted>((done, failed) => {
      // Zero masks: masking guards proxies' caches, and there is no proxy on 127.0.0.1; unmasked,
      // the window's 128 MiB requests cost the main process no XOR pass.
      const socket = new WebSocket(endpoint, {
        maxPayload: 2 ** 31 - 1,
        generateMask: (mask) => mask.fill(0),
      });
      socket.binaryType = 'arraybuffer';
      const greeted = (hello: ArrayBuffer) => {
        socket.off('close', closed);
        done({ socket, hello });
      };
      // the endpoint may lose its page before that page greets: the next one will
      const closed = (code: number) => {
        socket.off('message', greeted);
        if (code === PAGE_REPLACED && !closing) open().then(done, failed);
        else failed(new Error('the GPU host closed its connection'));
      };
      socket.once('message', greeted);
      socket.once('close', closed);
      socket.on('error', (error) =>
        failed(new Error(`the GPU host could not be reached (${error.message})`)),
      );
    });

  const first = await open();
  const line = new PageLine(first, (page) =>
    page.socket.on('close', (code: number, why: Buffer) => {
      if (closing) return;
      const reason = why.toString() || 'the GPU host closed its connection';
      line.lost(page, () =>
        code === PAGE_REPLACED
          ? {
              page: open().then((next) => saidHello(next, async () => next.socket.close())),
              restarted: `${reason}; the window was restarted`,
              failed: (error) => error.message,
            }
          : reason,
      );
    }),
  );
  post({ message: first.hello }, [first.hello]);
  options.port.on('message', (request: RelayRequest) => {
    if ('message' in request) void line.whenReady((page) => line.send(page, request.message));
    // the window watches its own hangs: the endpoint reports them as a lost page
    if ('hung' in request) line.abandon();
  });
  return async () => {
    closing = true;
    await line.ready().then(
      (last) => last.socket.close(),
      () => undefined,
    );
  };
}

/** How long a started page may take to greet (its scripts load, gpu.js opens a GPU context). */
const GREETING_S = 60;

/** One Chromium running the page, once the page has greeted over its socket. */
interface Run extends Greeted {
  chromium: ChromiumProcess;
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
    // one page at a time: the next connection is this page's, its first message the greeting
    let connected!: (socket: WebSocket) => void;
    const greeted = new Promise<[WebSocket, ArrayBuffer]>((done) => {
      connected = (socket) => {
        socket.binaryType = 'arraybuffer';
        socket.once('message', (hello: ArrayBuffer) => done([socket, hello]));
      };
      sockets.once('connection', connected);
    });
    const chromium = await ChromiumProcess.open(
      launcher.chromiumPath,
      launcher.chromiumArgs,
      `http://127.0.0.1:${port}/${token}/host.html?${query}`,
      (message) => post({ error: `GPU host page: ${message}` }),
    ).catch((error: Error) => {
      sockets.off('connection', connected);
      throw error;
    });
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, fail) => {
      chromium.onExit(() => fail(new Error('Chromium exited before the page greeted')));
      timer = setTimeout(
        () => fail(new Error(`the page did not greet within ${GREETING_S} s`)),
        GREETING_S * 1000,
      );
    });
    try {
      const [socket, hello] = await Promise.race([greeted, failed]);
      return { chromium, socket, hello };
    } catch (error) {
      sockets.off('connection', connected);
      await chromium.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  const restarts = new RestartPolicy(launcher.restartLimit);
  let faultNext: HostFault | undefined;
  let closing = false;

  /**
   * The page is gone (or hangs): Chromium is started again whole, since a crashed renderer may have
   * taken the GPU process's state with it, and a relaunch costs little beside a crash.
   */
  const lost = (was: Run, reason: string): void => {
    if (closing) return;
    line.lost(was, () => {
      void was.chromium.close();
      if (!restarts.crashed(Date.now())) return `the GPU host kept failing (${reason}); it was given up`;
      return {
        page: start().then((started) => saidHello(started, () => started.chromium.close())),
        restarted: `${reason}; Chromium was restarted`,
        failed: (error) => `${reason}, and Chromium could not be restarted: ${error.message}`,
      };
    });
  };

  const first = await start();
  // The page's socket closes too, but after or before these: they tell what happened.
  const line = new PageLine(first, (started) => {
    started.chromium.onCrash(() => lost(started, 'the GPU host page crashed (its renderer process died)'));
    started.chromium.onExit(() => lost(started, "the GPU host's Chromium exited"));
  });

  const send = (message: ArrayBuffer) =>
    line.whenReady(async (to) => {
      const fault = faultNext;
      faultNext = undefined;
      // the page stops at its next statement, so the request stays on it, unanswered, until the fault
      if (fault) await to.chromium.pausePage();
      line.send(to, message);
      if (fault === 'crashPage') to.chromium.crashPage();
      if (fault === 'crashBrowser') to.chromium.crashBrowser();
    });

  post({ message: first.hello }, [first.hello]);
  options.port.on('message', (request: RelayRequest) => {
    if ('message' in request) void send(request.message);
    if ('faultNext' in request) faultNext = request.faultNext;
    if ('hung' in request) {
      // the backend has failed that request already
      const was = line.abandon();
      if (was) lost(was, request.hung);
    }
  });
  return async () => {
    closing = true;
    await line
      .ready()
      .then((last) => last.chromium.close())
      .catch(() => undefined);
    sockets.close();
    server.close();
  };
}

('endpoint' in options ? connect(options.endpoint) : launch(options)).then(
  (close) => {
    options.port.on('message', (request: RelayRequest) => {
      if ('close' in request) close().finally(() => post({ closed: true }));
    });
  },
  (error: unknown) => post({ error: `could not start the GPU host: ${(error as Error).message}` }),
);
