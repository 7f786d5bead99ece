import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, type CommandName } from '../../main/services/appContract.js';
import { IPC_PREFIX } from '../../main/services/ipcTransport.js';
import { desktopIpcTable } from '../../electron/ipcApi.js';

/**
 * The desktop IPC table refuses, before the services see them, requests no honest page sends. (That it
 * answers every well-formed command exactly as the other transports is test/services/appApi.test.ts.)
 */
describe("the desktop IPC table's request checks", () => {
  const forwarded: [CommandName, unknown][] = [];
  const table = desktopIpcTable(async (command, request) => {
    forwarded.push([command, request]);
    return { ok: true, result: null };
  });
  const call = (command: CommandName, request: unknown) => table[`${IPC_PREFIX}${command}`](request);

  it('has one channel per command of the contract', () => {
    expect(Object.keys(table).sort()).toEqual(COMMAND_NAMES.map((c) => `${IPC_PREFIX}${c}`).sort());
  });

  it.each([
    [
      'submitBatch',
      { inputs: ['data/a.fits'], recipe: { outputDir: '/out' } },
      'inputs[0] must be an absolute path',
    ],
    [
      'submitBatch',
      { inputs: ['file:///etc/passwd'], recipe: { outputDir: '/out' } },
      'inputs[0] must be an absolute',
    ],
    [
      'submitBatch',
      { inputs: ['/a.fits\0.txt'], recipe: { outputDir: '/out' } },
      'inputs[0] must be an absolute',
    ],
    ['submitBatch', { inputs: '/a.fits', recipe: {} }, 'inputs must be a list'],
    ['submitBatch', { inputs: ['/a.fits'] }, 'recipe must be given'],
    [
      'submitBatch',
      { inputs: ['/a.fits'], recipe: { outputDir: 'out' } },
      'recipe.outputDir must be an absolute',
    ],
    ['submitBatch', { inputs: ['/a.fits'], recipe: { shell: 'rm -rf' } }, 'recipe.shell must be left out'],
    ['addWatchFolder', { dir: '~/downloads', recipe: { outputDir: '/out' } }, 'dir must be an absolute path'],
    ['updateSettings', { cacheDir: '../cache' }, 'cacheDir must be an absolute path'],
    ['updateSettings', { threads: 1.5 }, 'threads must be a whole number'],
    ['updateSettings', { imagesInFlight: 'two' }, 'imagesInFlight must be a whole number'],
    ['listJobs', { states: ['done', 'exploded'] }, 'states[1] must be one of queued'],
    ['setJobPriority', { id: 'j1', priority: 'high' }, 'priority must be a number'],
    [
      'imagePixels',
      { jobId: 'j1', level: '1.5', region: { x: -1, y: 0, width: 8, height: 8 } },
      'region.x must be',
    ],
    ['imageInfo', { path: 'relative.fits' }, 'path must be an absolute path'],
    ['pauseQueue', { now: true }, 'now must be left out'],
    ['getJob', [], 'the request must be an object'],
  ] as [CommandName, unknown, string][])('%s %j is refused', async (command, request, message) => {
    forwarded.length = 0;
    const reply = await call(command, request);
    expect(reply).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect((reply as { error: { message: string } }).error.message).toContain(message);
    expect(forwarded).toEqual([]);
  });

  it('forwards well-formed requests untouched, an absent one as {}', async () => {
    forwarded.length = 0;
    const batch = {
      inputs: ['/data/a.fits', '/data/folder'],
      recipe: { outputDir: '/out', levels: ['1.5'] },
      recursive: true,
    };
    await call('submitBatch', batch);
    await call('pauseQueue', undefined);
    await call('updateSettings', { imagesInFlight: 2 });
    expect(forwarded).toEqual([
      ['submitBatch', batch],
      ['pauseQueue', {}],
      ['updateSettings', { imagesInFlight: 2 }],
    ]);
  });
});
