import { mkdir } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { scratch } from './helpers.js';

/**
 * Web mode against another page on the same machine: a real second HTTP server on another port of
 * 127.0.0.1 (the same *site* to a browser, so the SameSite=Strict cookie goes along) serves a hostile
 * page to real Chromium, which has opened the app before (its cookie is set). Nothing it sends may
 * act or read, with the cookie or even with the token.
 */
let work: string;
let services: AppServices;
let server: LocalServer;
let hostile: Server;
let hostilePort: number;
let browser: Browser;

/** What the hostile page tries; it reports what it could see. */
const hostilePage = (app: string, token: string, dir: string) => `<!doctype html><html><body>
<iframe id="framed" src="${app}/?token=${token}"></iframe>
<script>
const app = ${JSON.stringify(app)}, token = ${JSON.stringify(token)}, dir = ${JSON.stringify(dir)};
const socket = (url) => new Promise((done) => {
  const seen = { opened: false, messages: [] };
  const ws = new WebSocket(url);
  ws.onopen = () => { seen.opened = true;
    ws.send(JSON.stringify({ id: 1, command: 'listFolder', request: { path: '/' } })); };
  ws.onmessage = (m) => seen.messages.push(String(m.data));
  ws.onclose = () => done(seen);
  setTimeout(() => { ws.close(); done(seen); }, 3000);
});
window.attack = (async () => {
  const body = JSON.stringify({ dir, recipe: { levels: ['1.5'] } });
  const blind = (url) => fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body })
    .then(() => 'sent', () => 'network error');
  return {
    fetchWithCookie: await blind(app + '/api/addWatchFolder'),
    fetchWithToken: await blind(app + '/api/addWatchFolder?token=' + token),
    socketWithCookie: await socket(app.replace('http', 'ws') + '/ws'),
    socketWithToken: await socket(app.replace('http', 'ws') + '/ws?token=' + token),
  };
})();
</script></body></html>`;

beforeAll(async () => {
  work = await scratch('origin');
  services = await AppServices.open({ dataDir: join(work, 'data'), cacheDir: join(work, 'cache') });
  server = await startLocalServer({ handlers: services.handlers, events: services.events });
  await mkdir(join(work, 'victim'));
  hostile = createServer((_, response) =>
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end(hostilePage(`http://127.0.0.1:${server.port}`, server.token, join(work, 'victim'))),
  );
  await new Promise<void>((done) => hostile.listen(0, '127.0.0.1', done));
  hostilePort = (hostile.address() as AddressInfo).port;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => hostile?.close(done));
  await server?.close();
  await services?.close();
});

describe('web mode refuses every origin but its own', () => {
  it("a page from another local port can't add a watch folder or read over a WebSocket, cookie or token", async () => {
    const context = await browser.newContext();
    const app = await context.newPage();
    await app.goto(server.url);
    // The app's own page, under the same CSP, does connect: the refusals below are the origin's.
    await expect.poll(() => app.textContent('#counts'), { timeout: 15_000 }).toMatch(/0 queued/);
    expect((await context.cookies()).map((c) => c.name)).toContain('aia_token');

    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${hostilePort}/`);
    const seen = (await page.evaluate('window.attack')) as Record<string, unknown>;
    expect(seen.socketWithCookie).toEqual({ opened: false, messages: [] });
    expect(seen.socketWithToken).toEqual({ opened: false, messages: [] });
    expect(services.watchFolders.list()).toEqual([]);
    expect(services.settings.get().watchFolders).toEqual([]);
    // Framing the app is refused by the browser (frame-ancestors 'none', X-Frame-Options DENY).
    const framed = page.frames().find((f) => f !== page.mainFrame());
    expect(await framed?.content().catch(() => '')).not.toContain('The local server is running');
    await context.close();
  }, 60_000);

  it('refuses forged Origin and Sec-Fetch-Site headers on HTTP and WebSocket, token or not', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const auth = { authorization: `Bearer ${server.token}` };
    const post = (headers: Record<string, string>) =>
      send('POST', '/api/listJobs', { ...auth, ...headers }, '{}').then((r) => r.status);
    expect(await post({})).toBe(200);
    expect(await post({ origin: base })).toBe(200);
    expect(await post({ origin: `http://localhost:${server.port}`, 'sec-fetch-site': 'same-origin' })).toBe(
      200,
    );
    expect(await post({ origin: `http://127.0.0.1:${hostilePort}` })).toBe(403);
    expect(await post({ origin: 'null' })).toBe(403);
    expect(await post({ origin: `http://127.0.0.1:${server.port}.evil.example` })).toBe(403);
    expect(await post({ 'sec-fetch-site': 'same-site' })).toBe(403);
    expect(await post({ 'sec-fetch-site': 'cross-site' })).toBe(403);
    const addFolder = await send(
      'POST',
      `/api/addWatchFolder?token=${server.token}`,
      { origin: `http://127.0.0.1:${hostilePort}` },
      JSON.stringify({ dir: work, recipe: {} }),
    );
    expect(addFolder.status).toBe(403);
    expect(services.watchFolders.list()).toEqual([]);
    // Another page may link to the app (a top-level navigation), but not load it as a script.
    const navigate = {
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    expect((await send('GET', `/?token=${server.token}`, navigate)).status).toBe(200);
    const asScript = {
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'script',
    };
    expect((await send('GET', `/placeholder.js?token=${server.token}`, asScript)).status).toBe(403);

    const socket = (origin?: string) =>
      new Promise<string>((done) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin });
        ws.on('open', () => (ws.close(), done('open')));
        ws.on('unexpected-response', (_, response) => done(String(response.statusCode)));
        ws.on('error', () => done('error'));
      });
    expect(await socket()).toBe('open');
    expect(await socket(base)).toBe('open');
    expect(await socket(`http://127.0.0.1:${hostilePort}`)).toBe('403');
    expect(await socket('null')).toBe('403');
  });

  it('sends the security headers with every response, refusals and errors included', async () => {
    const token = `?token=${server.token}`;
    const responses = await Promise.all([
      send('GET', `/${token}`, {}),
      send('GET', `/placeholder.js${token}`, {}),
      send('POST', `/api/listJobs${token}`, {}, '{}'),
      send('POST', `/api/noSuchCommand${token}`, {}, '{}'),
      send('POST', `/api/listJobs${token}`, {}, 'not json'),
      send('GET', `/api/listJobs${token}`, {}),
      send('PUT', `/${token}`, {}),
      send('GET', '/', {}),
      send('GET', `/%E0%A4%A${token}`, {}), // the placeholder page answers every path
      send('GET', `/${token}`, { origin: 'http://evil.example' }),
    ]);
    for (const response of responses) {
      expect(response.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['content-security-policy']).toContain(
        `connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`,
      );
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 400, 400, 405, 405, 403, 200, 403]);
  });
});

/** One raw HTTP request (fetch would add its own Sec-Fetch and Origin rules). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((done, failed) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers },
      (response) => {
        response.resume();
        response.on('end', () => done({ status: response.statusCode!, headers: response.headers }));
      },
    );
    request.on('error', failed);
    request.end(body);
  });
}
