import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendChoice } from '../main/contract/index.js';
import { ProcessingQueue } from '../main/services/processingQueue.js';
import { WatchFolders } from '../main/services/watchFolders.js';
import { median, type BenchOptions, type BenchRow } from './benchSupport.js';

const JOBS = 500;
/** Jobs run before the measured ones, so the JIT's warm-up doesn't count as the first 100 being slow. */
const WARM_UP = 50;
const WINDOW = 100;
/** Files waiting in the folder at most: arrivals keep pace with processing, as a download would. */
const BACKLOG = 4;
/**
 * Finished jobs kept, as a headless watch keeps them (its default is 1000, more than this run makes,
 * so the soak uses a smaller bound to have it act): the queue's memory must stay flat with it.
 */
const KEEP_FINISHED = 100;
/**
 * A real level 1 full-disk frame big enough that a job takes ≈0.2 s (128² jobs took 5 ms, where 1 ms
 * of jitter was 20 %). The 1024² synoptic files are level 1.5: they would be refused, not processed.
 */
const FRAME = 'lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits';
const GC = (globalThis as { gc?: () => void }).gc;

/** Heap in use after a full collection: what is retained, not garbage waiting (needs --expose-gc). */
function retainedHeapMb(): number {
  GC?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/**
 * The soak: 500 real 2048² level 1 frames (after 50 to warm up), copies under distinct names, arrive
 * in a watched folder (renamed into place as a sync tool does, a few waiting at a time) and go through
 * watch mode and the queue, with the history bounded as a headless watch bounds it. Products are
 * removed once made, as a pipeline moving them on would, so the disk holds a few. The per-job time and
 * memory of the last 100 jobs against the first 100 show whether anything slows down or grows.
 */
export async function benchSoak(options: Pick<BenchOptions, 'backend' | 'inputs'>): Promise<BenchRow[]> {
  const frame = options.inputs.find((i) => i.path === FRAME);
  if (!frame) throw new Error(`soak: ${FRAME} is not in the verified dataset`);
  const root = await mkdtemp(join(tmpdir(), 'aia-bench-soak-'));
  const [watched, staging, out, data] = ['watched', 'staging', 'out', 'data'].map((d) => join(root, d));
  const queue = await ProcessingQueue.open({
    dataDir: data,
    cacheDir: join(data, 'cache'),
    keepFinished: KEEP_FINISHED,
  });
  const folders = new WatchFolders(queue, { settleMs: 200 });
  const perJob: { wallMs: number; rssMb: number }[] = [];
  const retained: number[] = [];
  queue.events.on('jobDone', (job) => {
    perJob.push({ wallMs: job.wallMs ?? 0, rssMb: process.memoryUsage.rss() / 2 ** 20 });
    for (const output of job.outputs) void rm(output.path, { force: true });
    // What the process still holds after a full GC, at the end of the first window and of the run.
    if (perJob.length === WARM_UP + WINDOW || perJob.length === WARM_UP + JOBS)
      retained.push(retainedHeapMb());
  });
  try {
    await Promise.all([watched, staging, out].map((d) => mkdir(d)));
    const recipe = { outputDir: out, levels: ['1.5' as const], backend: options.backend as BackendChoice };
    await folders.add({ dir: watched, recipe });
    const started = performance.now();
    let failed = 0;
    queue.events.on('jobFailed', () => failed++);
    const finished = () => perJob.length + failed;
    const pause = () => new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < WARM_UP + JOBS; i++) {
      while (i - finished() >= BACKLOG) await pause();
      const name = `soak_${String(i).padStart(4, '0')}.fits`;
      await copyFile(frame.file, join(staging, name));
      await rename(join(staging, name), join(watched, name));
    }
    while (finished() < WARM_UP + JOBS) await pause();
    perJob.splice(0, WARM_UP);
    const totalS = (performance.now() - started) / 1000;
    const first = perJob.slice(0, WINDOW);
    const last = perJob.slice(-WINDOW);
    const ms = (xs: typeof perJob) => median(xs.map((x) => x.wallMs)) / 1000;
    const mb = (xs: typeof perJob) => median(xs.map((x) => x.rssMb));
    const drift = ms(last) / ms(first) - 1;
    console.log(
      `soak: ${JOBS} jobs (${failed} failed) in ${totalS.toFixed(1)} s; per-job median ${(ms(first) * 1000).toFixed(1)} ms ` +
        `(first ${WINDOW}) → ${(ms(last) * 1000).toFixed(1)} ms (last ${WINDOW}), ${(drift * 100).toFixed(1)} %` +
        ` [${Math.abs(drift) <= 0.1 ? 'within' : 'OUTSIDE'} 10 %]; RSS ${mb(first).toFixed(0)} → ${mb(last).toFixed(0)} MB; ` +
        `JS heap after a full GC ${retained.map((r) => r.toFixed(1)).join(' → ')} MB` +
        (GC ? '' : ' (no gc(): run node with --expose-gc for a real figure)'),
    );
    const row = (kase: string, metric: string, unit: 's' | 'MB', ours: number): BenchRow => ({
      bench: 'soak',
      case: kase,
      backend: options.backend,
      metric,
      unit,
      ours,
    });
    // Named by frame size: the 128² soak's rows in the history are another case, not a baseline.
    const jobs = `${JOBS} watched 2048² jobs`;
    return [
      row(`first ${WINDOW} of ${jobs}`, 'per-job time', 's', ms(first)),
      row(`last ${WINDOW} of ${jobs}`, 'per-job time', 's', ms(last)),
      row(`first ${WINDOW} of ${jobs}`, 'resident memory', 'MB', mb(first)),
      row(`last ${WINDOW} of ${jobs}`, 'resident memory', 'MB', mb(last)),
      row(jobs, 'total time', 's', totalS),
      row(`after ${WINDOW} of ${jobs}`, 'JS heap after GC', 'MB', retained[0]),
      row(`after ${JOBS} of ${jobs}`, 'JS heap after GC', 'MB', retained[1]),
    ];
  } finally {
    await folders.close();
    await queue.close();
    await rm(root, { recursive: true, force: true });
  }
}
