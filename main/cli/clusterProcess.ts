import { InvalidRequestError, type Job, type JobRecipe } from '../contract/index.js';
import { ClusterQueue } from '../cluster/clusterQueue.js';
import { expectedOutputs } from '../engine/pipeline/outputFiles.js';
import { outcomeNotes } from './outcomeNotes.js';
import type { ProcessReport } from './processCommand.js';

/** How often the jobs not yet heard of are looked up, in case an event was lost (a Redis restart). */
const RECHECK_MS = 5000;

/**
 * `process --cluster URL`: submits the batch to the cluster and waits for every file, printing one line
 * per file as local mode does (in the order they finish) and returning the same report. A file whose
 * job is already done (submitted before) is reported from that job, not made again.
 */
export async function processOnCluster(
  url: string,
  inputs: string[],
  recipe: JobRecipe,
  log: (line: string) => void,
  fail: (line: string) => void,
): Promise<ProcessReport> {
  const report: ProcessReport = { succeeded: 0, failed: 0 };
  const started = performance.now();
  const queue = await ClusterQueue.open(url, {}, fail);
  try {
    const waiting = new Map<string, number>();
    let settle!: () => void;
    const allDone = new Promise<void>((done) => (settle = done));
    const place = (i: number) => `[${i + 1}/${inputs.length}] ${inputs[i]}`;
    const failed = (id: string, why: string) => {
      const i = waiting.get(id);
      if (i === undefined) return;
      waiting.delete(id);
      report.failed++;
      fail(`${place(i)}: ${why}`);
      if (waiting.size === 0) settle();
    };
    const finish = (job: Job) => {
      const i = waiting.get(job.id);
      if (i === undefined || job.state === 'queued' || job.state === 'running') return;
      if (job.state !== 'done') return failed(job.id, job.error ?? 'cancelled');
      waiting.delete(job.id);
      report.succeeded++;
      const seconds = ((job.wallMs ?? 0) / 1000).toFixed(2);
      const outputs = job.outputs.map((o) => o.path);
      log(`${place(i)} → ${outputs.join(', ')} (${seconds} s)`);
      for (const line of outcomeNotes(outputs, job.warnings, job.qa)) log(line);
      if (waiting.size === 0) settle();
    };
    // a job that leaves the cluster before it is done here was cancelled (or cleared) by someone else
    const gone = (id: string) => failed(id, 'cancelled: the job left the cluster before it was done');
    queue.events.on('jobDone', finish);
    queue.events.on('jobFailed', finish);
    queue.events.on('jobCancelled', finish);
    queue.events.on('jobsCleared', ({ ids }) => ids.forEach(gone));
    const submitted = await queue.submit(inputs, recipe);
    submitted.forEach((result, i) => {
      if (result.id) waiting.set(result.id, i);
      else {
        report.succeeded++;
        log(
          `${place(i)} → ${expectedOutputs(recipe, inputs[i]).join(', ')} (made before, from this file as it is)`,
        );
      }
    });
    const recheck = async () => {
      for (const id of [...waiting.keys()])
        await queue.get(id).then(finish, (error: unknown) => {
          if (error instanceof InvalidRequestError) gone(id);
        });
    };
    await recheck();
    if (waiting.size > 0) {
      log(`${waiting.size} file(s) queued on ${queue.shownUrl}; waiting for the workers`);
      const timer = setInterval(() => void recheck().catch(() => undefined), RECHECK_MS);
      try {
        await allDone;
      } finally {
        clearInterval(timer);
      }
    }
  } finally {
    await queue.close();
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  log(`${report.succeeded} succeeded, ${report.failed} failed, ${inputs.length} files in ${total} s`);
  return report;
}
