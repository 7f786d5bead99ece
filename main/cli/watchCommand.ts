import { resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCacheDir, defaultDataDir } from '../appPaths.js';
import { ClusterQueue } from '../cluster/clusterQueue.js';
import { InvalidRequestError, type Job } from '../contract/index.js';
import type { JobQueue } from '../services/jobQueue.js';
import { ProcessingQueue } from '../services/processingQueue.js';
import { WatchFolders } from '../services/watchFolders.js';
import { outcomeNotes } from './outcomeNotes.js';
import {
  parseCount,
  parseImagesInFlight,
  parseThreads,
  recipeFromOptions,
  RECIPE_OPTIONS,
} from './recipeOptions.js';
import { untilStopped } from './untilStopped.js';
import { UsageError } from './usage.js';

/**
 * Finished jobs a headless watch keeps in its journal: enough to look back over a day of a busy
 * download folder, few enough that weeks of watching keep memory and journal small (≈4 KB a job).
 * Files whose jobs were cleared are still never made twice: their products on disk say so.
 */
export const WATCH_KEEP_FINISHED = 1000;

/**
 * Headless watch mode: processes the FITS files already in the folders and every one that arrives,
 * one line per file, until stopped; the queue's journal in the data folder makes a restart carry on.
 */
export async function watchCommand(
  argv: string[],
  log: (line: string) => void,
  fail: (line: string) => void,
  stopped: Promise<void> = untilStopped(),
): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...RECIPE_OPTIONS,
      'data-dir': { type: 'string' },
      'keep-finished': { type: 'string', default: String(WATCH_KEEP_FINISHED) },
      'retry-failed': { type: 'boolean', default: false },
      cluster: { type: 'string' },
    },
  });
  const recipe = recipeFromOptions(values);
  const threads = parseThreads(values.threads);
  const imagesInFlight = parseImagesInFlight(values['in-flight']);
  const keepFinished = parseCount('--keep-finished', values['keep-finished']);
  if (positionals.length === 0) throw new UsageError('watch needs at least one folder');

  const retryFailed = values['retry-failed'] === true;
  /** Failed jobs' errors, so a file tried again (--retry-failed) says what failed before. */
  const failedBefore = new Map<string, string | undefined>();
  /** A cluster's events are every submitter's: print those of the files in the folders watched here. */
  const watched = positionals.map((dir) => resolve(dir) + sep);
  const ours = (job: Job) =>
    values.cluster === undefined || watched.some((d) => job.input.path.startsWith(d));
  // Listening from before the journal's recovery: a file failed there is printed too.
  const listen = (events: ProcessingQueue['events']) => {
    events.on('journalRepaired', ({ message }) => fail(`aia-studio: ${message}`));
    events.on('backendOpened', ({ note }) => log(note));
    events.on('jobDone', (job) => {
      if (!ours(job)) return;
      const outputs = job.outputs.map((o) => o.path);
      log(`${job.input.path} → ${outputs.join(', ')} (${((job.wallMs ?? 0) / 1000).toFixed(2)} s)`);
      for (const line of outcomeNotes(outputs, job.warnings, job.qa)) log(line);
    });
    events.on('jobFailed', (job) => ours(job) && fail(`${job.input.path}: ${job.error}`));
    events.on('jobQueued', (job) => {
      if (failedBefore.has(job.id))
        log(`${job.input.path}: failed before (${failedBefore.get(job.id)}); trying again (--retry-failed)`);
    });
    // A file that failed in an earlier run is not tried again on its own: say so, and how.
    events.on('jobSkipped', ({ input, outcome, job }) => {
      if (outcome === 'already-failed')
        fail(
          job?.state === 'cancelled'
            ? `${input}: not processed: it was cancelled before; --retry-failed tries it again`
            : job?.failure?.kind === 'permanent'
              ? `${input}: not processed: refused before as bad input (${job.error}); a replaced file is processed`
              : `${input}: not processed: it failed before (${job?.error}); --retry-failed tries it again`,
        );
    });
  };
  // --cluster: the files found here are submitted there, and run on the cluster's workers
  const queue: JobQueue =
    values.cluster === undefined
      ? await ProcessingQueue.open({
          dataDir: values['data-dir'] ?? defaultDataDir(),
          cacheDir: values['cache-dir'] ?? defaultCacheDir(),
          threads,
          imagesInFlight,
          keepFinished,
          listen,
        })
      : await ClusterQueue.open(values.cluster, { listen }, fail);
  for (const job of await queue.list({ states: ['failed', 'cancelled'] }))
    failedBefore.set(job.id, job.error);
  const folders = new WatchFolders(queue);
  try {
    for (const dir of positionals) {
      // A folder that cannot be watched, or whose products would be watched, is a wrong command line.
      await folders.add({ dir, recursive: values.recursive, recipe, retryFailed }).catch((error) => {
        throw error instanceof InvalidRequestError ? new UsageError(error.message) : error;
      });
      log(`watching ${dir}${values.recursive ? ' and its sub-folders' : ''} → ${recipe.outputDir}`);
    }
    await stopped;
  } finally {
    await folders.close();
    await queue.close();
  }
}
