import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  COMMANDS,
  EVENT_NAMES,
  invalidRequest,
  isCommandName,
  type AppEvents,
  type AppHandlers,
  type Failure,
  type PixelBlock,
} from '../contract/index.js';
import { encodeBinaryFrame } from '../contract/wireFormat.js';
import { dispatchCommand } from './commandDispatch.js';
import { PLACEHOLDER_PAGE, PLACEHOLDER_SCRIPT, PLACEHOLDER_SCRIPT_PATH } from './placeholderPage.js';
import { foreignOrigin, securityHeaders } from './requestOrigin.js';
import type { TypedEvents } from './typedEvents.js';

export interface LocalServerOptions {
  handlers: AppHandlers;
  events: TypedEvents<AppEvents>;
  /** 0 (default) lets the OS pick a free port. */
  port?: number;
  /** The built renderer; a placeholder page is served while it does not exist. */
  staticDir?: string;
  token?: string;
}

export interface LocalServer {
  port: number;
  token: string;
  /** The address to open, token included. */
  url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const COOKIE = 'aia_token';
const MAX_BODY = 1 << 20;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** A fresh access token: 24 random bytes, base64url (32 characters). */
export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The app API over HTTP and WebSocket for web mode, bound to 127.0.0.1 only. Every request needs the
 * random token (query `token`, `Authorization: Bearer`, or the cookie set when the page was opened
 * with it), a Host header naming this server, and no Origin but its own (requestOrigin.ts), so other
 * local users' processes, other local pages (another port is the same site: the cookie goes along)
 * and DNS rebinding can't drive it. Every response carries the security headers (CSP, no framing).
 * No request, frame or upgrade of any shape stops it: each entry point answers or drops what it
 * can't serve.
 *
 * HTTP: POST /api/<command> with the request as JSON → the Reply envelope as JSON, or for a binary
 * command's success the float32 pixels as application/octet-stream with the meta in X-Aia-Meta.
 * WebSocket /ws: text {id, command, request} → text {id, reply}, or a binary frame (wireFormat.ts)
 * with header {id, ok: true, meta}; events arrive as text {event, payload}.
 * Every request goes through the contract's validator (dispatchCommand): anything malformed (not
 * JSON, not an object, unknown command, wrong or extra fields, too big) gets an 'invalid-request'
 * reply and the server goes on.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const token = options.token ?? newAccessToken();
  const server = createServer((request, response) => {
    const failed = (error: unknown) => {
      if (response.headersSent) response.destroy();
      else response.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error)?.message));
    };
    try {
      for (const [name, value] of Object.entries(securityHeaders(port))) response.setHeader(name, value);
      void serveHttp(request, response).catch(failed);
    } catch (error) {
      failed(error);
    }
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  let port = 0;

  /** Why the request is refused, or undefined when it may go on. */
  const refusal = (request: IncomingMessage, url: URL, navigation = false): string | undefined => {
    const host = request.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) return 'forbidden: unknown host';
    const given = tokenOf(request, url);
    if (given === undefined || !sameSecret(given, token)) return 'forbidden: a valid token is required';
    const foreign = foreignOrigin(request, port, navigation);
    return foreign && `forbidden: ${foreign}`;
  };

  async function serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    const refused = url ? refusal(request, url, !url.pathname.startsWith('/api/')) : 'bad request URL';
    if (!url || refused) {
      response.writeHead(url ? 403 : 400, { 'content-type': 'text/plain' }).end(refused);
      return;
    }
    // Opening the page with ?token= lets the page's own requests carry it as a cookie.
    const cookie = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    if (url.pathname.startsWith('/api/')) {
      const name = url.pathname.slice('/api/'.length);
      if (name === 'contract' && request.method === 'GET') {
        json(response, 200, { commands: COMMANDS, events: EVENT_NAMES });
        return;
      }
      if (request.method !== 'POST') {
        json(response, 405, invalidRequest('use POST'));
        return;
      }
      const body = await readBody(request).catch(() => undefined);
      if (body === undefined) {
        response.setHeader('connection', 'close');
        json(response, 413, invalidRequest(`the request is larger than ${MAX_BODY} bytes`));
        return;
      }
      let parsed: unknown;
      try {
        parsed = body.length === 0 ? {} : JSON.parse(body);
      } catch {
        json(response, 400, invalidRequest('the body is not JSON'));
        return;
      }
      const reply = await dispatchCommand(options.handlers, name, parsed);
      if (reply.ok && isCommandName(name) && COMMANDS[name] === 'binary') {
        const { meta, pixels } = reply.result as PixelBlock<object>;
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'x-aia-meta': encodeURIComponent(JSON.stringify(meta)),
        });
        response.end(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
        return;
      }
      json(response, reply.ok ? 200 : reply.error.kind === 'invalid-request' ? 400 : 422, reply);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    await serveStatic(url.pathname, response, cookie);
  }

  async function serveStatic(pathname: string, response: ServerResponse, cookie: string): Promise<void> {
    const root = options.staticDir && existsSync(options.staticDir) ? resolve(options.staticDir) : undefined;
    if (!root) {
      if (pathname === PLACEHOLDER_SCRIPT_PATH)
        response.writeHead(200, { 'content-type': TYPES['.js'] }).end(PLACEHOLDER_SCRIPT);
      else
        response
          .writeHead(200, { 'content-type': TYPES['.html'], 'set-cookie': cookie })
          .end(PLACEHOLDER_PAGE);
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
    let path = resolve(root, relative === '' ? 'index.html' : relative);
    if (path !== root && !path.startsWith(root + sep)) {
      response.writeHead(404).end();
      return;
    }
    const info = await stat(path).catch(() => undefined);
    // A single-page app: unknown paths get its index.
    if (!info?.isFile()) path = join(root, 'index.html');
    if (!existsSync(path)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'set-cookie': cookie,
    });
    createReadStream(path).pipe(response);
  }

  server.on('upgrade', (request, socket, head) => {
    // A client that resets mid-handshake must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      const url = requestUrl(request);
      const refused = url?.pathname !== '/ws' ? 'forbidden' : refusal(request, url);
      if (refused) {
        const headers = Object.entries(securityHeaders(port)).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.end(`HTTP/1.1 403 Forbidden\r\n${headers.join('')}connection: close\r\n\r\n${refused}`);
        return;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws));
    } catch {
      socket.destroy();
    }
  });

  function serveSocket(ws: WebSocket): void {
    const stop = options.events.onAny((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
    });
    ws.on('close', stop);
    // A message past maxPayload (or a broken frame) closes this socket (1009/1002); unheard, the
    // error would end the whole server.
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      void (async () => {
        const message = parseSocketMessage(data.toString(), isBinary);
        const reply =
          message.refused ?? (await dispatchCommand(options.handlers, message.command, message.request));
        if (ws.readyState !== ws.OPEN) return;
        const name = message.command;
        if (reply.ok && isCommandName(name) && COMMANDS[name] === 'binary') {
          const { meta, pixels } = reply.result as PixelBlock<object>;
          ws.send(encodeBinaryFrame({ id: message.id, ok: true, meta }, pixels));
        } else {
          ws.send(JSON.stringify({ id: message.id, reply }));
        }
      })().catch(() => ws.terminate());
    });
  }

  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(options.port ?? 0, HOST, () => listening());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}

/**
 * A WebSocket text message as {id, command, request}; whatever else arrives (binary, not JSON, not an
 * object) is refused with its reason. The id is echoed only if it is a number or a short string.
 */
function parseSocketMessage(
  text: string,
  isBinary: boolean,
): { id?: unknown; command?: unknown; request?: unknown; refused?: Failure } {
  if (isBinary) return { refused: invalidRequest('a request is a JSON text message, not binary') };
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { refused: invalidRequest('the message is not JSON') };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return { refused: invalidRequest('a message must be an object {id, command, request}') };
  const { id, command, request } = message as Record<string, unknown>;
  const echoed = typeof id === 'number' || (typeof id === 'string' && id.length <= 64) ? id : undefined;
  return { id: echoed, command, request };
}

/** The request's URL, or undefined when it can't be parsed (`http://x:99999/ws` throws in new URL). */
function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', `http://${HOST}`);
  } catch {
    return undefined;
  }
}

function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query) return query;
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  const cookie = request.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${COOKIE}=`));
  return cookie?.slice(COOKIE.length + 1);
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done, failed) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the 413 reply still reaches the client.
      if (size > MAX_BODY) failed(new Error('request body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', failed);
  });
}
