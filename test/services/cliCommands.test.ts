import { spawn } from 'node:child_process';
import { copyFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { SMALL, scratch, smallFrames, until } from './helpers.js';

function start(...argv: string[]) {
  const child = spawn(
    join(REPO_ROOT, 'node_modules/.bin/vite-node'),
    [join(REPO_ROOT, 'test/services/cliChild.ts'), '--', ...argv],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AIA_STUDIO_THREADS: '1' },
    },
  );
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, lines, exited };
}

describe('aia-studio watch and serve', () => {
  it('watch processes what is there and what arrives, and stops cleanly on SIGINT', async () => {
    const [dir, out, data] = [await scratch(), await scratch(), await scratch()];
    await smallFrames(dir, 2, 'early');
    const run = start(
      'watch',
      ...['--level', '1.5', '--out', out, '--data-dir', data, '--backend', 'cpu', '--keep-finished', '3'],
      ...['--in-flight', '2'],
      dir,
    );
    await until(() => run.lines.some((l) => l.startsWith('watching')));
    await smallFrames(dir, 2, 'late');
    await until(async () => (await readdir(out)).length === 4);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.lines.filter((l) => l.includes(' → ')).length).toBe(5);
    expect(run.lines).toContain('backend: cpu, 2 images in flight');
  });

  it('watch prints a job’s warnings under its line as process does: level 1.6 skipped for a binned frame', async () => {
    const [dir, out, data, processOut] = [await scratch(), await scratch(), await scratch(), await scratch()];
    await copyFile(SMALL, join(dir, 'binned.fits'));
    const recipe = ['--level', '1.5,1.6', '--backend', 'cpu'];
    const run = start('watch', ...recipe, '--out', out, '--data-dir', data, dir);
    await until(() => run.lines.some((l) => l.startsWith('  warning: ')), 60_000);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const done = run.lines.findIndex((l) => /binned\.fits → .*binned_lev1\.5\.fits \(/.test(l));
    expect(done, run.lines.join('\n')).toBeGreaterThan(0);
    const warnings = run.lines.slice(done + 1).filter((l) => l.startsWith('  warning: '));
    expect(warnings.some((l) => /level 1\.6/i.test(l))).toBe(true);

    const once = start('process', ...recipe, '--out', processOut, join(dir, 'binned.fits'));
    expect(await once.exited).toBe(0);
    expect(once.lines.filter((l) => l.startsWith('  warning: '))).toEqual(warnings);
  });

  it.each([
    ['--backend', 'fpga'],
    ['--in-flight', '0'],
  ])('watch refuses %s %s as a usage error', async (option, value) => {
    const [dir, out, data] = [await scratch(), await scratch(), await scratch()];
    const run = start('watch', '--level', '1.5', '--out', out, '--data-dir', data, option, value, dir);
    expect(await run.exited).toBe(2);
  });

  it('watch refuses, as a usage error, an output folder inside the folder it watches with its sub-folders', async () => {
    const [dir, data] = [await scratch(), await scratch()];
    const run = start(
      'watch',
      '--level',
      '1.5',
      '--recursive',
      '--out',
      join(dir, 'products'),
      '--data-dir',
      data,
      dir,
    );
    const stderr: string[] = [];
    run.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    expect(await run.exited).toBe(2);
    expect(stderr.join('')).toContain(
      `the output folder ${join(dir, 'products')} is inside the watched folder`,
    );
  });

  it('serve prints exactly one line with the address and token, and answers there', async () => {
    const [data, out] = [await scratch(), await scratch()];
    const run = start('serve', '--data-dir', data, '--backend', 'cpu', '--in-flight', '2');
    await until(() => run.lines.length > 0);
    const [line] = run.lines;
    const match = /^AIA Studio at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))$/.exec(line);
    expect(match, line).not.toBeNull();
    expect((await fetch(match![1])).status).toBe(200);
    const contract = await fetch(`http://127.0.0.1:${match![2]}/api/listJobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${match![3]}` },
      body: '{}',
    });
    expect(await contract.json()).toMatchObject({ ok: true, result: { jobs: [] } });
    // A batch that names no backend runs on the one serve was given.
    const call = async (command: string, request: object) => {
      const response = await fetch(`http://127.0.0.1:${match![2]}/api/${command}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${match![3]}` },
        body: JSON.stringify(request),
      });
      return ((await response.json()) as { result: { jobs: { id: string }[]; state: string } }).result;
    };
    const { jobs } = await call('submitBatch', {
      inputs: [SMALL],
      recipe: { outputDir: out, levels: ['1.5'] },
    });
    await until(async () => (await call('getJob', { id: jobs[0].id })).state === 'done');
    expect(await call('getJob', { id: jobs[0].id })).toMatchObject({
      recipe: { backend: 'cpu' },
      backend: 'backend: cpu, 2 images in flight',
    });
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.lines).toHaveLength(1);
  });

  it('serve --token-file keeps one token across starts in a 0600 file, and refuses a file others can read', async () => {
    const [data, keys] = [await scratch(), await scratch()];
    const tokenFile = join(keys, 'config', 'token');
    const tokenOfStart = async () => {
      const run = start('serve', '--data-dir', data, '--backend', 'cpu', '--token-file', tokenFile);
      await until(() => run.lines.length > 0);
      const token = /\?token=([\w-]+)$/.exec(run.lines[0])?.[1];
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      return token;
    };
    const first = await tokenOfStart();
    expect(first).toMatch(/^[\w-]{32}$/);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(keys, 'config'))).toEqual(['token']);
    expect(await tokenOfStart()).toBe(first);

    const shared = join(keys, 'shared-token');
    await writeFile(shared, `${'x'.repeat(32)}\n`, { mode: 0o644 });
    const refused = start('serve', '--data-dir', data, '--token-file', shared);
    const stderr: string[] = [];
    refused.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    expect(await refused.exited).toBe(1);
    expect(stderr.join('')).toContain(`token file ${shared} has mode 0644`);
    expect(refused.lines).toEqual([]);
  });
});
