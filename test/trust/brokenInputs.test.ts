import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { scratch, until } from '../services/helpers.js';
import { SMALL, writeBrokenInputs, type BrokenInput } from './brokenInputs.js';

/** `process` as every run here starts it; the output folder follows. */
const PROCESS = ['process', '--level', '1.5', '--backend', 'cpu', '--out'];

/** Peak memory one CLI process may reach over the whole corpus (≤ 1 GB per file is the target). */
const PEAK_RSS_KB = 1024 * 1024;
/** A batch that takes longer than this has hung on some file (the slowest file takes ~10 s). */
const BATCH_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = BATCH_TIMEOUT_MS + 30_000;

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string[];
  err: string[];
  peakRssKb: number;
}

/** The built CLI as its own process (bin/aia-studio.js), under /usr/bin/time for its peak memory. */
function startCli(argv: string[], user: { uid?: number; gid?: number } = {}) {
  const child = spawn(
    '/usr/bin/time',
    ['-f', 'PEAK_RSS_KB %M', process.execPath, join(REPO_ROOT, 'bin/aia-studio.js'), ...argv],
    { stdio: ['ignore', 'pipe', 'pipe'], ...user },
  );
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => err.push(l));
  const exited = new Promise<CliRun>((done) =>
    child.on('close', (code, signal) => {
      const rss = err.find((l) => l.startsWith('PEAK_RSS_KB '));
      const rest = err.filter((l) => l !== rss && !l.startsWith('Command exited with non-zero status'));
      done({ code, signal, out, err: rest, peakRssKb: Number(rss?.split(' ')[1]) });
    }),
  );
  // /usr/bin/time ignores SIGINT while it waits: signals go to the CLI process it started
  const signal = (name: NodeJS.Signals) => {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    for (const pid of children.split(' ').filter(Boolean)) process.kill(Number(pid), name);
  };
  const timer = setTimeout(() => signal('SIGKILL'), BATCH_TIMEOUT_MS);
  void exited.then(() => clearTimeout(timer));
  return { signal, out, err, exited };
}

/** The pixels of a product, NaN and all, to compare products exactly. */
async function pixels(path: string): Promise<Float32Array> {
  return (await readFitsImageFile(path)).raw as Float32Array;
}

function samePixels(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i])));
}

/** What one job of a run said about a file: its product, or its failure message. */
type Outcome = { product: string } | { failure: string };

/** Checks every case against its outcome; returns the problems found (empty when all is right). */
async function judge(
  cases: BrokenInput[],
  outcomes: Map<string, Outcome>,
  reference: string,
): Promise<string[]> {
  const problems: string[] = [];
  const intact = await pixels(reference);
  for (const c of cases) {
    const outcome = outcomes.get(c.name);
    if (!outcome) {
      problems.push(`${c.name}: no product and no failure (hang or lost)`);
    } else if (c.expect instanceof RegExp) {
      if ('product' in outcome)
        problems.push(`${c.name}: made ${outcome.product}, expected to fail (${c.expect})`);
      else if (!c.expect.test(outcome.failure))
        problems.push(`${c.name}: failed with "${outcome.failure}", not ${c.expect}`);
    } else if ('failure' in outcome) {
      problems.push(`${c.name}: failed with "${outcome.failure}", expected a product`);
    } else {
      const image = await readFitsImageFile(outcome.product);
      const datamin = image.header.number('DATAMIN');
      if (!(datamin !== undefined && datamin > -1000))
        problems.push(`${c.name}: product DATAMIN = ${datamin}`);
      if (c.expect === 'same' && !samePixels(image.raw as Float32Array, intact)) {
        problems.push(`${c.name}: product differs from the intact file's`);
      }
    }
  }
  return problems;
}

/** `process` lines: "[i/n] path → product (s)" on stdout, "[i/n] path: message" on stderr. */
function processOutcomes(run: CliRun, folder: string): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const prefix = `${folder}/`;
  for (const line of run.out) {
    const m = /^\[\d+\/\d+\] (.+?) → (.+) \(\d+\.\d+ s\)$/.exec(line);
    if (m && m[1].startsWith(prefix)) outcomes.set(m[1].slice(prefix.length), { product: m[2] });
  }
  for (const line of run.err) {
    const m = /^\[\d+\/\d+\] (.+?): (.+)$/.exec(line);
    if (m && m[1].startsWith(prefix)) outcomes.set(m[1].slice(prefix.length), { failure: m[2] });
  }
  return outcomes;
}

async function leftovers(...dirs: string[]): Promise<string[]> {
  const all = await Promise.all(dirs.map((d) => readdir(d, { recursive: true })));
  return all.flat().filter((name) => name.includes('.partial'));
}

describe('a corpus of broken inputs made from the real files', () => {
  let corpus: string;
  let cases: BrokenInput[];
  let reference: string;
  beforeAll(async () => {
    corpus = join(await scratch('corpus'), 'inputs');
    await mkdir(corpus);
    cases = await writeBrokenInputs(corpus);
    // the intact file's own product, made alone, is what every 'same' case must equal
    const refOut = await scratch('corpus-ref');
    const run = await startCli([...PROCESS, refOut, join(corpus, 'intact.fits')]).exited;
    expect(run.code).toBe(0);
    reference = join(refOut, 'intact_lev1.5.fits');
  });

  it('holds at least 100 cases of every kind the issue names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    for (const kind of [
      'trunc_',
      'flip_',
      'key_',
      'size_',
      'bomb_',
      'header_',
      'gzip_',
      'html',
      'random',
      'fifo',
      'dev_zero',
      'loop_',
    ]) {
      expect(
        cases.some((c) => c.name.startsWith(kind)),
        kind,
      ).toBe(true);
    }
  });

  it(
    'process: every file fails naming its cause or makes the right product; no crash, hang or .partial; memory bounded',
    async () => {
      const out = await scratch('corpus-out');
      const plain = cases.filter((c) => !c.options);
      const withOptions = cases.filter((c) => c.options);
      const [main, normalize] = [
        await startCli([
          'process',
          '--level',
          '1.5',
          '--backend',
          'cpu',
          '--threads',
          '2',
          '--out',
          out,
          corpus,
        ]).exited,
        await startCli([...PROCESS, out, '--normalize-exposure', join(corpus, 'normalize')]).exited,
      ];
      for (const run of [main, normalize]) {
        // exit 1 (some files failed), not a signal or a crash; every stderr line is one file's failure
        expect([run.code, run.signal]).toEqual([1, null]);
        expect(run.err.filter((l) => !/^\[\d+\/\d+\] /.test(l))).toEqual([]);
        expect(run.peakRssKb).toBeGreaterThan(0);
        expect(run.peakRssKb).toBeLessThanOrEqual(PEAK_RSS_KB);
      }
      const problems = [
        ...(await judge(plain, processOutcomes(main, corpus), reference)),
        ...(await judge(
          withOptions.map((c) => ({ ...c, name: c.name.replace('normalize/', '') })),
          processOutcomes(normalize, join(corpus, 'normalize')),
          reference,
        )),
      ];
      expect(problems).toEqual([]);
      expect(main.out.at(-1)).toMatch(new RegExp(`^\\d+ succeeded, \\d+ failed, ${plain.length} files in`));
      // every failure line names the file it is about
      for (const line of [...main.err, ...normalize.err])
        expect(line).toMatch(/^\[\d+\/\d+\] \/\S+\.fits: \S/);
      expect(await leftovers(out, corpus)).toEqual([]);
      console.log(
        `corpus through process: ${cases.length} cases, ${main.err.length + normalize.err.length} failures named, ` +
          `${main.out.filter((l) => l.includes(' → ')).length} products, peak RSS ${Math.round(main.peakRssKb / 1024)} MB ` +
          `(normalize batch ${Math.round(normalize.peakRssKb / 1024)} MB)`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'watch: every regular file is processed or fails naming its cause; other entries are not inputs',
    async () => {
      const [out, data] = [await scratch('corpus-watch-out'), await scratch('corpus-watch-data')];
      const watched = cases.filter((c) => !c.options && !c.special);
      // files older than watch's give-up time: a truncated one is not waited for as a download in progress
      const anHourAgo = new Date(Date.now() - 3_600_000);
      for (const c of watched)
        await utimes(join(corpus, c.name), anHourAgo, anHourAgo).catch(() => undefined);
      const run = startCli([
        'watch',
        '--level',
        '1.5',
        '--backend',
        'cpu',
        '--out',
        out,
        '--data-dir',
        data,
        corpus,
      ]);
      const outcomes = () => {
        const found = new Map<string, Outcome>();
        for (const line of run.out) {
          const m = /^(\/\S+?\.fits) → (\S+)/.exec(line);
          if (m) found.set(m[1].slice(corpus.length + 1), { product: m[2] });
        }
        for (const line of run.err) {
          const m = /^(\/\S+?\.fits): (.+)$/.exec(line);
          if (m) found.set(m[1].slice(corpus.length + 1), { failure: m[2] });
        }
        return found;
      };
      const missing = () => watched.filter((c) => !outcomes().has(c.name)).map((c) => c.name);
      await until(() => missing().length === 0, BATCH_TIMEOUT_MS).catch(() => undefined);
      run.signal('SIGINT');
      expect(missing()).toEqual([]);
      const ended = await run.exited;
      expect([ended.code, ended.signal]).toEqual([0, null]);
      expect(ended.peakRssKb).toBeLessThanOrEqual(PEAK_RSS_KB);
      expect(await judge(watched, outcomes(), reference)).toEqual([]);
      // FIFOs, devices, loops and folders never arrive as files: watch takes regular files only
      for (const c of cases.filter((x) => x.special)) expect(outcomes().has(c.name)).toBe(false);
      expect(await leftovers(out, corpus)).toEqual([]);
      console.log(
        `corpus through watch: ${watched.length} files, ${[...outcomes().values()].filter((o) => 'failure' in o).length} failures named, ` +
          `peak RSS ${Math.round(ended.peakRssKb / 1024)} MB`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it('an unreadable file fails naming the permission (run as an unprivileged user: root reads anything)', async () => {
    // outside the test scratch folder, which only its owner may enter
    const dir = await mkdtemp('/tmp/aia-unreadable-');
    try {
      await chmod(dir, 0o777);
      const file = join(dir, 'unreadable.fits');
      await copyFile(SMALL, file);
      await chmod(file, 0o000);
      const asRoot = process.getuid?.() === 0;
      if (asRoot)
        console.log('running as root: the unreadable-file case runs the CLI as uid/gid 65534 (nobody)');
      const run = await startCli([...PROCESS, dir, file], asRoot ? { uid: 65534, gid: 65534 } : {}).exited;
      expect([run.code, run.signal]).toEqual([1, null]);
      expect(run.err).toEqual([`[1/1] ${file}: permission denied: ${file}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('process runs one job for a file named three ways (dir, dir/a.fits, dir/./a.fits)', async () => {
    const out = await scratch('corpus-dedupe');
    const dir = join(corpus, 'normalize');
    const run = await startCli([
      ...PROCESS,
      out,
      dir,
      join(dir, 'exptime_nan.fits'),
      `${dir}/./exptime_nan.fits`,
    ]).exited;
    expect(run.out.at(-1)).toMatch(/^\d+ succeeded, \d+ failed, 4 files in/);
    expect(run.err.filter((l) => l.includes('exptime_nan.fits'))).toHaveLength(0);
    expect(run.out.filter((l) => l.includes('exptime_nan.fits →'))).toHaveLength(1);
  });
});
