import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { corruptProducts, seededRandom, smallFrames, scratch, until } from './helpers.js';

/**
 * SIGKILLs at random and at aimed points of `process`, `watch` and `serve` (the built CLI, as users
 * run it), each followed by a restart, then a last run to the end: every input has its product or a
 * visible, listed failure that a restart with --retry-failed (watch) or retry (serve) clears; no job
 * is done twice, no product is corrupt (astropy verifies every CHECKSUM and DATASUM), no `.partial`
 * is left. Aimed points are seen from outside, as they happen: a `.partial` appearing (during the
 * write), a product renamed into place (before its journal record), the journal growing (an append),
 * the lock taken (the journal's replay and recovery follow at once); random points are a seeded delay.
 */
const CLI = join(REPO_ROOT, 'bin/aia-studio.js');
const KILLS_PER_COMMAND = 18;
const AIMS = ['partial', 'renamed', 'journal', 'replay', 'random'] as const;
type Aim = (typeof AIMS)[number];

interface Round {
  child: ChildProcess;
  lines: string[];
  errors: string[];
  ended: Promise<NodeJS.Signals | null>;
}

function start(args: string[]): Round {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const errors: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => errors.push(l));
  const ended = new Promise<NodeJS.Signals | null>((done) =>
    child.on('exit', (_code, signal) => done(signal)),
  );
  return { child, lines, errors, ended };
}

/**
 * Kills the round's process when the aimed point is seen (or after the seeded delay for 'random');
 * a point never reached in 8 s is a kill at that moment. Resolves with whether SIGKILL ended it.
 */
async function killAt(round: Round, aim: Aim, dirs: { out: string; queue: string }, delayMs: number) {
  const watchers: FSWatcher[] = [];
  const kill = () => round.child.kill('SIGKILL');
  const when = (dir: string, hit: (name: string) => boolean) =>
    watchers.push(watch(dir, (_event, name) => name && hit(name) && kill()));
  if (aim === 'partial') when(dirs.out, (n) => n.endsWith('.partial'));
  if (aim === 'renamed') when(dirs.out, (n) => n.endsWith('_lev1.5.fits'));
  if (aim === 'journal') when(dirs.queue, (n) => n === 'jobs.jsonl');
  if (aim === 'replay') when(dirs.queue, (n) => n === 'queue.lock');
  const timer = setTimeout(kill, aim === 'random' ? delayMs : 8000);
  const signal = await round.ended;
  clearTimeout(timer);
  for (const w of watchers) w.close();
  return signal === 'SIGKILL';
}

/** Product names of the inputs, sorted. */
const productsOf = (inputs: string[]) =>
  inputs.map((f) => f.replace(/^.*\//, '').replace('.fits', '_lev1.5.fits')).sort();

interface Tally {
  kills: Record<Aim, number>;
  listedFailures: number;
}

describe('the kill test', () => {
  it('≥ 50 SIGKILLs of process, watch and serve: 0 lost, 0 duplicated, 0 corrupt, 0 partial left', async () => {
    if (!existsSync(join(REPO_ROOT, 'dist/main/cli/main.js'))) throw new Error('run npm run build first');
    const random = seededRandom(50);
    const totals: Record<string, Tally> = {};

    for (const command of ['process', 'watch', 'serve'] as const) {
      const [inputs, out, data] = [await scratch('kill'), await scratch('kill'), await scratch('kill')];
      const queue = join(data, 'queue');
      await mkdir(queue, { recursive: true });
      const files = await smallFrames(inputs, command === 'process' ? 12 : 30);
      const common = ['--threads', '1', '--backend', 'cpu'];
      const argsOf = (retry = false): string[] =>
        command === 'process'
          ? ['process', '--level', '1.5', '--out', out, ...common, inputs]
          : command === 'watch'
            ? ['watch', '--level', '1.5', '--out', out, '--data-dir', data, ...common, ...(retry ? ['--retry-failed'] : []), inputs]
            : ['serve', '--data-dir', data, ...common]; // prettier-ignore
      /** serve is handed the batch again each time it starts: what is done or queued is not redone. */
      const submitTo = (round: Round) =>
        void until(() => round.lines.length > 0, 20_000)
          .then(() => {
            const [, port, token] = /:(\d+)\/\?token=([\w-]+)$/.exec(round.lines[0])!;
            return fetch(`http://127.0.0.1:${port}/api/submitBatch`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
              body: JSON.stringify({
                inputs: [inputs],
                recipe: { outputDir: out, levels: ['1.5'], backend: 'cpu' },
              }),
            });
          })
          .catch(() => undefined);

      const tally: Tally = {
        kills: { partial: 0, renamed: 0, journal: 0, replay: 0, random: 0 },
        listedFailures: 0,
      };
      totals[command] = tally;
      let killed = 0;
      for (let round = 0; killed < KILLS_PER_COMMAND && round < 3 * KILLS_PER_COMMAND; round++) {
        // process has no journal: its aims are the write and the rename, and random moments
        const aims = command === 'process' ? (['partial', 'renamed', 'random'] as const) : AIMS;
        const aim = aims[round % aims.length];
        const run = start(argsOf());
        if (command === 'serve') submitTo(run);
        if (await killAt(run, aim, { out, queue }, 150 + random() * 2500)) {
          killed++;
          tally.kills[aim]++;
        }
        // More files while the rounds catch up with them, so every kill lands on work in flight.
        const made = (await readdir(out)).filter((n) => n.endsWith('.fits')).length;
        if (command !== 'process' && made > files.length - 4)
          files.push(...(await smallFrames(inputs, 6, `more${round}`)));
      }

      // The last run, to the end.
      const expected = productsOf(files);
      const finalRun = start(argsOf());
      const failedLine = (l: string) =>
        / AIA Studio stopped \d times|not processed: it failed before/.test(l);
      // a kill in the middle of an append tears the journal's last line: the start says so
      const journalRepaired = (l: string) => l.startsWith('aia-studio: the job journal ');
      if (command === 'process') {
        expect(await finalRun.ended).toBe(null);
      } else if (command === 'watch') {
        // every input has its product or a failure line naming it
        await until(async () => {
          const made = new Set(await readdir(out));
          return files.every(
            (f, i) =>
              made.has(productsOf([f])[0]) || finalRun.errors.some((e) => e.startsWith(`${files[i]}:`)),
          );
        }, 180_000);
        finalRun.child.kill('SIGINT');
        await finalRun.ended;
        tally.listedFailures = finalRun.errors.filter(failedLine).length;
        expect(finalRun.errors.filter((e) => !failedLine(e) && !journalRepaired(e))).toEqual([]);
        if (tally.listedFailures > 0) {
          const retry = start(argsOf(true));
          await until(async () => expected.every((p) => existsSync(join(out, p))), 180_000);
          retry.child.kill('SIGINT');
          await retry.ended;
        }
      } else {
        submitTo(finalRun);
        const call = async (name: string, request: object) => {
          const [, port, token] = /:(\d+)\/\?token=([\w-]+)$/.exec(finalRun.lines[0])!;
          const response = await fetch(`http://127.0.0.1:${port}/api/${name}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
            body: JSON.stringify(request),
          });
          return ((await response.json()) as { result: { jobs: Job[]; counts: Record<string, number> } })
            .result;
        };
        type Job = { id: string; state: string; input: { path: string }; errorKind?: string };
        await until(() => finalRun.lines.length > 0, 20_000);
        const settled = async () => {
          const { jobs, counts } = await call('listJobs', {});
          return (
            counts.queued + counts.running === 0 && files.every((f) => jobs.some((j) => j.input.path === f))
          );
        };
        await until(settled, 180_000);
        const failed = (await call('listJobs', { states: ['failed'] })).jobs;
        tally.listedFailures = failed.length;
        expect(failed.map((j) => j.errorKind)).toEqual(failed.map(() => 'interrupted'));
        for (const job of failed) await call('retryJob', { id: job.id });
        await until(settled, 180_000);
        const { jobs } = await call('listJobs', {});
        // 0 duplicated: one job per input, done once
        expect(jobs.filter((j) => j.state === 'done').length).toBe(files.length);
        expect(new Set(jobs.map((j) => j.input.path)).size).toBe(jobs.length);
        finalRun.child.kill('SIGINT');
        await finalRun.ended;
      }

      // 0 lost, 0 partial left, nothing else in the folder; 0 corrupt
      expect((await readdir(out)).sort()).toEqual(expected);
      expect(await corruptProducts(expected.map((p) => join(out, p)))).toEqual([]);
      expect(killed).toBe(KILLS_PER_COMMAND);
    }
    const all = Object.values(totals);
    const kills = all.reduce((n, t) => n + Object.values(t.kills).reduce((a, b) => a + b, 0), 0);
    console.log(`kill test: ${kills} SIGKILLs`, JSON.stringify(totals));
    expect(kills).toBeGreaterThanOrEqual(50);
  }, 900_000);
});
