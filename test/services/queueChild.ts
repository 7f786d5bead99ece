/**
 * A queue in its own process, for tests that kill it: opens the data folder's queue, submits the
 * files named on the command line (if any), prints one JSON line per job event (and per finished
 * stage) and exits when idle.
 * Usage: [IMAGES_IN_FLIGHT=N] queueChild.ts DATA_DIR OUT_DIR [FILE…]
 */
import type { Job } from '../../main/contract/index.js';
import { ProcessingQueue } from '../../main/services/processingQueue.js';

const [dataDir, outputDir, ...files] = process.argv.slice(2);
const inFlight = process.env.IMAGES_IN_FLIGHT;
const queue = await ProcessingQueue.open({
  dataDir,
  cacheDir: `${dataDir}/cache`,
  threads: 1,
  imagesInFlight: inFlight === undefined ? undefined : Number(inFlight),
});
const print = (event: string, job: Job, stage?: string) =>
  console.log(JSON.stringify({ event, input: job.input.path, errorKind: job.errorKind, stage }));
// jobs recovered from the journal started during open, before anyone could listen
for (const job of queue.list({ states: ['running'] })) print('jobStarted', job);
for (const name of ['jobStarted', 'jobDone', 'jobFailed'] as const) {
  queue.events.on(name, (job) => print(name, job));
}
// a stage finished: the job is in its next one (tests kill the process there)
queue.events.on('jobStage', ({ id, stage }) => print('jobStage', queue.get(id), stage));
if (files.length > 0) await queue.submit(files, { outputDir, levels: ['1.5'], backend: 'cpu' });
await queue.idle();
await queue.close();
console.log(JSON.stringify({ event: 'idle' }));
