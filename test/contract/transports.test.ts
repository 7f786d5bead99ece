import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { desktopIpcTable } from '../../electron/ipcApi.js';
import {
  ApiError,
  COMMAND_NAMES,
  createAppApi,
  IPC_PREFIX,
  type AppHandlers,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type Reply,
} from '../../main/contract/index.js';
import { connectApi, type ApiClient } from '../../main/contract/webSocketClient.js';
import { AppServices } from '../../main/services/appServices.js';
import { dispatchCommand } from '../../main/services/commandDispatch.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { scratch } from '../services/helpers.js';
import { BAD_FOR_EVERY_COMMAND, requestTable } from './requestTable.js';

let services: AppServices;
let server: LocalServer;
let socket: WebSocket;
let client: ApiClient;
let root: string;
/** Every request that reached a handler: the validator let it through. */
const reached: [CommandName, unknown][] = [];

beforeAll(async () => {
  root = await scratch('contract');
  services = await AppServices.open({
    dataDir: join(root, 'data'),
    cacheDir: join(root, 'cache'),
    threads: 1,
  });
  await services.queue.pause();
  // The real services' handlers, noting which requests got past the validator to them.
  const handlers = Object.fromEntries(
    COMMAND_NAMES.map((name) => [
      name,
      (request: unknown) => {
        reached.push([name, request]);
        return (services.handlers[name] as (request: unknown) => Promise<unknown>)(request);
      },
    ]),
  ) as AppHandlers;
  server = await startLocalServer({ handlers, events: services.events });
  socket = await openSocket();
  client = await connectApi(new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`));
  // The services' utility process (electron/servicesHost.ts): a structured clone, then the dispatch.
  const servicesProcess = (name: CommandName, request: unknown) =>
    dispatchCommand(handlers, name, structuredClone(request));
  // The desktop shell validates in its main process, then forwards to the services' process.
  const desktop = desktopIpcTable(
    <K extends CommandName>(command: K, request: CommandRequest<K>) =>
      servicesProcess(command, request) as Promise<Reply<CommandResponse<K>>>,
  );
  transports.ipc = servicesProcess;
  transports.desktop = (name, request) => desktop[`${IPC_PREFIX}${name}`](structuredClone(request));
  transports.dispatch = (name, request) => dispatchCommand(handlers, name, request);
});
afterAll(async () => {
  socket?.close();
  client?.close();
  await server?.close();
  await services?.close();
});

async function openSocket(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  await new Promise((opened, failed) => {
    ws.once('open', opened);
    ws.once('error', failed);
  });
  return ws;
}

let nextId = 1;
/** Sends one raw WebSocket message and waits for the reply carrying its id (or, with none, the next reply). */
function overSocket(ws: WebSocket, message: string | Buffer, id?: unknown): Promise<unknown> {
  return new Promise((answered) => {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const parsed = JSON.parse(data.toString()) as { id?: unknown; reply?: unknown };
      if (parsed.reply === undefined || parsed.id !== id) return;
      ws.off('message', onMessage);
      answered(parsed.reply);
    };
    ws.on('message', onMessage);
    ws.send(message);
  });
}

async function overHttp(name: string, body: string | undefined): Promise<{ status: number; reply: unknown }> {
  const response = await fetch(`http://127.0.0.1:${server.port}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body,
  });
  const isJson = response.headers.get('content-type') === 'application/json';
  return { status: response.status, reply: isJson ? await response.json() : { ok: true } };
}

type Transport = (name: CommandName, request: unknown) => Promise<unknown>;
/** Every door of the app API, each taking a command's request as its callers send it. */
const transports: Record<'dispatch' | 'ipc' | 'desktop' | 'http' | 'ws', Transport> = {
  dispatch: async () => undefined,
  ipc: async () => undefined,
  desktop: async () => undefined,
  http: async (name, request) =>
    (await overHttp(name, request === undefined ? undefined : JSON.stringify(request))).reply,
  ws: (name, request) => {
    const id = nextId++;
    return overSocket(socket, JSON.stringify({ id, command: name, request }), id);
  },
};

const refusal = (message: string) => ({
  ok: false,
  error: { kind: 'invalid-request', message: expect.stringContaining(message) },
});

describe('one validator at every door of the app API', () => {
  it.each(Object.keys(transports) as (keyof typeof transports)[])(
    '%s: every bad request of the table is refused before a handler runs; every good one reaches it',
    async (transport) => {
      const call = transports[transport];
      const table = requestTable(root);
      for (const name of COMMAND_NAMES) {
        const cases = table[name];
        for (const [request, message] of [...cases.bad, ...BAD_FOR_EVERY_COMMAND]) {
          reached.length = 0;
          expect(
            await call(name, request),
            `${transport} ${name} ${JSON.stringify(request).slice(0, 80)}`,
          ).toEqual(refusal(message));
          expect(reached, `${transport} ${name}`).toEqual([]);
        }
        for (const request of cases.good) {
          reached.length = 0;
          await call(name, request);
          expect(reached, `${transport} ${name} ${JSON.stringify(request)}`).toEqual([[name, request]]);
        }
      }
      // An absent request is an empty one; an unknown command is refused.
      reached.length = 0;
      await call('pauseQueue', undefined);
      expect(reached).toEqual([['pauseQueue', {}]]);
      // The IPC tables have a channel per known command only: Electron answers no other.
      if (transport === 'dispatch' || transport === 'ws') {
        reached.length = 0;
        expect(await call('formatDisk' as CommandName, {})).toEqual(refusal("unknown command 'formatDisk'"));
        expect(reached).toEqual([]);
      }
    },
  );

  it('HTTP: unknown commands, bodies that are not JSON or too big, and other methods get invalid-request; the server goes on', async () => {
    reached.length = 0;
    expect(await overHttp('formatDisk', '{}')).toEqual({
      status: 400,
      reply: refusal("unknown command 'formatDisk'"),
    });
    expect(await overHttp('__proto__', '{}')).toEqual({ status: 400, reply: refusal('unknown command') });
    expect(await overHttp('getJob', '{"id": ')).toEqual({
      status: 400,
      reply: refusal('the body is not JSON'),
    });
    expect(await overHttp('getJob', 'null')).toEqual({ status: 400, reply: refusal('must be an object') });
    expect(await overHttp('getJob', '"j1"')).toEqual({ status: 400, reply: refusal('must be an object') });
    expect(await overHttp('getJob', JSON.stringify({ id: 'x'.repeat(2 << 20) }))).toEqual({
      status: 413,
      reply: refusal('larger than'),
    });
    const get = await fetch(`http://127.0.0.1:${server.port}/api/getJob`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual(refusal('use POST'));
    expect(reached).toEqual([]);
    expect(await overHttp('listJobs', '{}')).toMatchObject({ status: 200, reply: { ok: true } });
  });

  it('WebSocket: messages that are not requests get invalid-request; one past the size limit closes only its socket', async () => {
    reached.length = 0;
    for (const [message, expected] of [
      ['{"id": ', 'the message is not JSON'],
      ['42', 'a message must be an object'],
      ['null', 'a message must be an object'],
      ['[1, 2]', 'a message must be an object'],
      ['"getJob"', 'a message must be an object'],
      [JSON.stringify({ command: 'getJob' }), 'id must be given'],
      [JSON.stringify({ request: {} }), "unknown command 'undefined'"],
    ] as const)
      expect(await overSocket(socket, message), message).toEqual(refusal(expected));
    expect(await overSocket(socket, Buffer.from([1, 2, 3]))).toEqual(refusal('not binary'));
    const id = { nested: 'ids are echoed only as numbers or short strings' };
    expect(await overSocket(socket, JSON.stringify({ id, command: 'nope' }))).toEqual(
      refusal('unknown command'),
    );
    expect(reached).toEqual([]);

    const doomed = await openSocket();
    const closed = new Promise<number>((done) => doomed.once('close', (code) => done(code)));
    doomed.send('x'.repeat(2 << 20));
    expect(await closed).toBe(1009);
    expect(await transports.ws('listJobs', {})).toMatchObject({ ok: true });
  });

  it('the typed client keeps each failure kind, over IPC (as the preload carries it) and over WebSocket', async () => {
    const overIpc = createAppApi({
      invoke: async (command, request) => (await transports.desktop(command, request)) as Reply<unknown>,
      onEvent: (listener) => services.events.onAny((event, payload) => listener(String(event), payload)),
    });
    for (const api of [overIpc, client]) {
      const failure = await api.call('getJob', { id: 42 } as never).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ApiError);
      expect(failure).toMatchObject({
        kind: 'invalid-request',
        message: 'id must be a non-empty string of at most 4096 characters',
      });
      const missing = await api
        .call('listFolder', { path: join(root, 'missing') })
        .catch((error: unknown) => error);
      expect(missing).toMatchObject({ kind: 'ENOENT' });
      expect((await api.call('listJobs', {})).counts.paused).toBe(true);
    }
  });
});
