import { copyFile, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  COMMAND_NAMES,
  COMMANDS,
  EVENT_NAMES,
  IPC_PREFIX,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type Reply,
} from '../../main/contract/index.js';
import { connectApi, type ApiClient } from '../../main/contract/webSocketClient.js';
import { desktopIpcTable } from '../../electron/ipcApi.js';
import { AppServices } from '../../main/services/appServices.js';
import { appBenchDir, readBenchHistory } from '../../main/services/benchHistory.js';
import { dispatchCommand } from '../../main/services/commandDispatch.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { SMALL, scratch, until } from './helpers.js';

let services: AppServices;
let server: LocalServer;
let client: ApiClient;
let desktop: ReturnType<typeof desktopIpcTable>;
let inputs: string;
let out: string;
let watchDir: string;
let browseDir: string;
let benchDir: string;
let benchLines: string[];

beforeAll(async () => {
  const data = await scratch('api-data');
  [inputs, out, watchDir] = [await scratch(), await scratch(), await scratch()];
  [browseDir, benchDir] = [await scratch('browse'), await scratch('bench')];
  // The repo's own history, with the lines a crashed bench or a merge conflict would leave.
  benchLines = (await readFile(join(appBenchDir(), 'history.jsonl'), 'utf8')).split('\n').filter(Boolean);
  await writeFile(
    join(benchDir, 'history.jsonl'),
    [benchLines[0], '{"schema":1,"date":"2026-1', '<<<<<<< HEAD', '', ...benchLines.slice(1), '{}'].join(
      '\n',
    ),
  );
  await copyFile(join(appBenchDir(), 'thresholds.json'), join(benchDir, 'thresholds.json'));
  services = await AppServices.open({
    dataDir: data,
    cacheDir: join(data, 'cache'),
    threads: 1,
    benchDir,
  });
  server = await startLocalServer({ handlers: services.handlers, events: services.events });
  // The desktop shell's table checks each request, then forwards it to the services (in its utility process).
  desktop = desktopIpcTable(
    <K extends CommandName>(command: K, request: CommandRequest<K>) =>
      dispatchCommand(services.handlers, command, request) as Promise<Reply<CommandResponse<K>>>,
  );
  client = await connectApi(new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`));
  await copyFile(SMALL, join(inputs, 'a.fits'));
  await copyFile(SMALL, join(inputs, 'b.fits'));
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await services?.close();
});

/**
 * The ways to call a command: Electron IPC (structured clone both ways), WebSocket, HTTP, and the
 * desktop shell's IPC table (electron/ipcApi.ts: checks each request's shape, then forwards it).
 */
const transports = {
  ipc: async (name: CommandName, request: unknown) =>
    structuredClone(
      await dispatchCommand(services.handlers, name, structuredClone(request)),
    ) as Reply<unknown>,
  ws: async (name: CommandName, request: unknown): Promise<Reply<unknown>> => {
    try {
      return { ok: true, result: await client.call(name, request as never) };
    } catch (error) {
      return {
        ok: false,
        error: { message: (error as Error).message, kind: (error as { kind: string }).kind },
      };
    }
  },
  http: async (name: CommandName, request: unknown): Promise<Reply<unknown>> => {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (response.headers.get('content-type') === 'application/octet-stream') {
      const meta = JSON.parse(decodeURIComponent(response.headers.get('x-aia-meta')!));
      return { ok: true, result: { meta, pixels: new Float32Array(await response.arrayBuffer()) } };
    }
    return (await response.json()) as Reply<unknown>;
  },
  desktop: async (name: CommandName, request: unknown) =>
    structuredClone(await desktop[`${IPC_PREFIX}${name}`](structuredClone(request))) as Reply<unknown>,
};

describe('the app API contract, over IPC and over the local server', () => {
  it('every command of the contract answers the same over every transport', async () => {
    const submitted = await transports.ipc('submitBatch', {
      inputs: [inputs],
      recipe: { outputDir: out, levels: ['1.5'] },
    });
    expect(submitted.ok).toBe(true);
    await services.queue.idle();
    const [jobA] = await services.queue.list();
    const region = { x: 10, y: 20, width: 32, height: 16 };
    // Each command's request; `satisfies` makes a new command of the contract fail here until tested.
    const requests = {
      submitBatch: { inputs: [join(inputs, 'a.fits')], recipe: { outputDir: out, levels: ['1.5'] } },
      listJobs: { states: ['done'] },
      getJob: { id: jobA.id },
      jobMetrics: { id: jobA.id },
      pauseQueue: {},
      resumeQueue: {},
      cancelJob: { id: jobA.id },
      retryJob: { id: 'no-such-job' },
      setJobPriority: { id: jobA.id, priority: 0 },
      // No job is cancelled yet, so every transport clears none and the replies compare equal.
      clearFinished: { states: ['cancelled'] },
      listWatchFolders: {},
      addWatchFolder: { dir: join(out, 'no-such-folder'), recipe: { outputDir: out } },
      removeWatchFolder: { id: 'no-such-folder' },
      pauseWatchFolder: { id: 'no-such-folder' },
      resumeWatchFolder: { id: 'no-such-folder' },
      getSettings: {},
      updateSettings: { defaultRecipe: { levels: ['1.5'] } },
      imageInfo: { jobId: jobA.id, level: '1.5' },
      imagePreview: { jobId: jobA.id, level: '1', maxSize: 50 },
      imagePixels: { jobId: jobA.id, level: '1.5', region },
      inspectInputs: { paths: [inputs, join(inputs, 'a.fits')] },
      // Refused alike everywhere (a written one gets a new name per transport: cutout.test.ts writes them).
      writeCutout: { jobId: jobA.id, level: '1.5', region: { ...region, x: 100_000 } },
      fitsCutout: { jobId: jobA.id, level: '1', region },
      listFolder: { path: inputs },
      benchHistory: {},
      listQa: {},
      listWorkers: {},
    } satisfies { [K in CommandName]: CommandRequest<K> };
    expect(Object.keys(requests).sort()).toEqual([...COMMAND_NAMES].sort());

    for (const name of COMMAND_NAMES) {
      const replies = [];
      for (const call of Object.values(transports)) replies.push(await call(name, requests[name]));
      const [viaIpc, viaWs, viaHttp, viaDesktop] = replies;
      expect(viaWs, name).toEqual(viaIpc);
      expect(viaHttp, name).toEqual(viaIpc);
      expect(viaDesktop, name).toEqual(viaIpc);
    }

    const pixels = (await transports.ws('imagePixels', requests.imagePixels)) as {
      ok: true;
      result: { meta: unknown; pixels: Float32Array };
    };
    const direct = await services.images.pixels({ jobId: jobA.id, level: '1.5' }, region);
    expect(pixels.result.meta).toEqual(region);
    expect(pixels.result.pixels).toEqual(direct.pixels);
    const preview = (await transports.http('imagePreview', requests.imagePreview)) as {
      ok: true;
      result: { meta: { width: number; binning: number }; pixels: Float32Array };
    };
    expect(preview.result.meta).toEqual({ width: 43, height: 43, binning: 3 });
    expect(preview.result.pixels).toHaveLength(43 * 43);
    const failures = Object.fromEntries(
      await Promise.all(
        (['retryJob', 'addWatchFolder', 'removeWatchFolder', 'cancelJob'] as const).map(async (n) => [
          n,
          await transports.http(n, requests[n]),
        ]),
      ),
    );
    expect(failures.retryJob).toEqual({
      ok: false,
      error: { message: 'no job no-such-job', kind: 'invalid-request' },
    });
    expect(failures.addWatchFolder.ok).toBe(false);
    expect(failures.cancelJob.ok).toBe(true);
  });

  it('clears finished jobs over every transport; the products stay and the clients hear of it', async () => {
    const cleared: string[][] = [];
    const stop = client.on('jobsCleared', ({ ids }) => cleared.push(ids));
    for (const [name, call] of Object.entries(transports)) {
      const input = join(inputs, `clear-${name}.fits`);
      await copyFile(SMALL, input);
      await call('submitBatch', { inputs: [input], recipe: { outputDir: out, levels: ['1.5'] } });
      await services.queue.idle();
      const finished = (await services.queue.list({ states: ['done', 'failed', 'cancelled'] })).map(
        (j) => j.id,
      );
      const reply = await call('clearFinished', {});
      expect(reply, name).toMatchObject({
        ok: true,
        result: { cleared: finished.length, counts: { done: 0 } },
      });
      await until(() => cleared.length > 0 && cleared.at(-1)!.join() === finished.join());
      expect(await call('listJobs', {}), name).toMatchObject({ ok: true, result: { jobs: [] } });
      expect((await stat(join(out, `clear-${name}_lev1.5.fits`))).size, name).toBeGreaterThan(0);
      expect(await call('clearFinished', { states: ['running'] } as never), name).toMatchObject({
        ok: false,
        error: { kind: 'invalid-request' },
      });
    }
    stop();
  });

  it('lists a folder for the file browser: sub-folders, then FITS files by name, hidden ones left out', async () => {
    for (const folder of ['b-folder', 'A-folder', '.hidden-folder']) await mkdir(join(browseDir, folder));
    for (const file of ['frame_10.fits', 'frame_2.fts', 'c.fits.fz', '.hidden.fits', 'notes.txt'])
      await copyFile(SMALL, join(browseDir, file));
    await symlink(join(browseDir, 'A-folder'), join(browseDir, 'linked'));
    await symlink(join(browseDir, 'gone.fits'), join(browseDir, 'broken.fits'));
    const size = (await stat(SMALL)).size;
    const expected = {
      path: browseDir,
      parent: dirname(browseDir),
      entries: [
        { name: 'A-folder', path: join(browseDir, 'A-folder'), kind: 'folder' },
        { name: 'b-folder', path: join(browseDir, 'b-folder'), kind: 'folder' },
        { name: 'linked', path: join(browseDir, 'linked'), kind: 'folder' },
        { name: 'c.fits.fz', path: join(browseDir, 'c.fits.fz'), kind: 'file', size },
        { name: 'frame_2.fts', path: join(browseDir, 'frame_2.fts'), kind: 'file', size },
        { name: 'frame_10.fits', path: join(browseDir, 'frame_10.fits'), kind: 'file', size },
      ],
    };
    expect(await transports.ipc('listFolder', {})).toMatchObject({ ok: true, result: { path: homedir() } });
    for (const [name, call] of Object.entries(transports)) {
      expect(await call('listFolder', { path: `${browseDir}/./` }), name).toEqual({
        ok: true,
        result: expected,
      });
      const root = await call('listFolder', { path: '/' });
      expect(root, name).toMatchObject({ ok: true, result: { path: '/' } });
      expect(root, name).not.toHaveProperty('result.parent');
      expect(await call('listFolder', { path: join(browseDir, 'missing') }), name).toEqual({
        ok: false,
        error: { message: `no such file or folder: ${join(browseDir, 'missing')}`, kind: 'ENOENT' },
      });
      expect(await call('listFolder', { path: join(browseDir, 'frame_2.fts') }), name).toEqual({
        ok: false,
        error: { message: `not a folder: ${join(browseDir, 'frame_2.fts')}`, kind: 'invalid-request' },
      });
      for (const path of ['relative/folder', 42, ''])
        expect(await call('listFolder', { path } as never), `${name} ${path}`).toEqual({
          ok: false,
          error: { message: 'path must be an absolute path on this computer', kind: 'invalid-request' },
        });
    }
  });

  it('returns the benchmark history and targets, skipping malformed lines; none when bench/ is absent', async () => {
    const records = benchLines.map((line) => {
      const record = JSON.parse(line);
      delete record.profiles;
      return record;
    });
    const thresholds = JSON.parse(await readFile(join(benchDir, 'thresholds.json'), 'utf8'));
    expect(records.length).toBeGreaterThan(0);
    expect(thresholds.targets.length).toBeGreaterThan(0);
    for (const [name, call] of Object.entries(transports))
      expect(await call('benchHistory', {}), name).toEqual({ ok: true, result: { records, thresholds } });
    // The default is the checkout's bench/; an installed app has none.
    expect((await readBenchHistory(appBenchDir())).records).toHaveLength(benchLines.length);
    expect(await readBenchHistory(join(benchDir, 'absent'))).toEqual({ records: [] });
    // A thresholds file cut short loses the target lines, not the history.
    const broken = await scratch('bench-broken');
    await copyFile(join(benchDir, 'history.jsonl'), join(broken, 'history.jsonl'));
    await writeFile(join(broken, 'thresholds.json'), '{"targets": [');
    expect(await readBenchHistory(broken)).toEqual({ records });
  });

  it('pushes every event to WebSocket clients and to IPC windows', async () => {
    const overIpc: string[] = [];
    // As the services' utility process sends them on to the shell (electron/servicesHost.ts).
    const stop = services.events.onAny((event) => overIpc.push(String(event)));
    const overWs: string[] = [];
    const stops = EVENT_NAMES.map((event) => client.on(event, () => overWs.push(event)));
    const jobsDone: string[] = [];
    client.on('jobDone', (job) => jobsDone.push(job.input.path));
    await copyFile(SMALL, join(watchDir, 'watched.fits'));
    const added = await client.call('addWatchFolder', {
      dir: watchDir,
      recipe: { outputDir: out, levels: ['1.5'] },
    });
    expect(added.status).toBe('watching');
    await until(() => jobsDone.length === 1);
    expect(jobsDone[0]).toBe(join(watchDir, 'watched.fits'));
    await client.call('updateSettings', { threads: 1 });
    await until(() => overWs.includes('settings') && overWs.includes('queueProgress'));
    for (const event of [
      'jobQueued',
      'jobStarted',
      'jobProgress',
      'jobStage',
      'jobDone',
      'watchFolders',
      'settings',
    ]) {
      expect(overWs, event).toContain(event);
      expect(overIpc, event).toContain(event);
    }
    expect((await client.call('getSettings', {})).watchFolders).toHaveLength(1);
    await client.call('removeWatchFolder', { id: added.id });
    stop();
    stops.forEach((s) => s());
  });

  it('refuses requests without the token or for another host, and serves the page with it', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/api/getSettings`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
    const page = await fetch(`${base}/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/AIA Studio/);
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const withCookie = await fetch(`${base}/api/contract`, { headers: { cookie } });
    expect(await withCookie.json()).toEqual({ commands: COMMANDS, events: EVENT_NAMES });
    // fetch won't send another Host header: a page on a rebound domain would.
    const rebinding = await new Promise<number>((answered) =>
      httpGet(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/contract',
          headers: { cookie, host: `evil.example:${server.port}` },
        },
        (response) => answered(response.statusCode ?? 0),
      ),
    );
    expect(rebinding).toBe(403);
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await expect(
      new Promise((opened, failed) => {
        refused.on('open', opened);
        refused.on('error', failed);
      }),
    ).rejects.toThrow(/403/);
    expect(server.url).toBe(`${base}/?token=${server.token}`);
  });
});
