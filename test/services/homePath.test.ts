import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { SMALL, SMALL_OUTPUT, scratch } from './helpers.js';

let home: string;
let homeBefore: string | undefined;
let services: AppServices;
let server: LocalServer;

beforeAll(async () => {
  // os.homedir() reads HOME, so the test's home is a scratch folder, not the user's.
  [home, homeBefore] = [await scratch('home'), process.env.HOME];
  process.env.HOME = home;
  const data = await scratch('home-data');
  services = await AppServices.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
  server = await startLocalServer({ handlers: services.handlers, events: services.events });
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  process.env.HOME = homeBefore;
});

describe('a leading ~ in a path typed in the app', () => {
  it('is the home folder for batch inputs and the output folder, over HTTP', async () => {
    await copyFile(SMALL, join(home, 'x.fits'));
    const response = await fetch(`http://127.0.0.1:${server.port}/api/submitBatch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ inputs: ['~/x.fits'], recipe: { outputDir: '~/products', levels: ['1.5'] } }),
    });
    const reply = await response.json();
    expect(reply, JSON.stringify(reply)).toMatchObject({
      ok: true,
      result: { jobs: [{ outcome: 'queued' }] },
    });
    await services.queue.idle();
    const [job] = await services.queue.list();
    expect(job).toMatchObject({
      state: 'done',
      input: { path: join(home, 'x.fits') },
      recipe: { outputDir: join(home, 'products') },
    });
    expect(await readdir(join(home, 'products'))).toEqual([SMALL_OUTPUT.replace(/^.*_lev/, 'x_lev')]);
  });
});
