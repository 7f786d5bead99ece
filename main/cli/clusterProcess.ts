import type { Job, JobRecipe } from '../contract/index.js';
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
    const finish = (job: Job) => {
      const i = waiting.get(job.id);
      if (i === undefined || (job.state !== 'done' && job.state !== 'failed')) return;
      waiting.delete(job.id);
      if (job.state === 'done') {
        report.succeeded++;
        const seconds = ((job.wallMs ?? 0) / 1000).toFixed(2);
        const outputs = job.outputs.map((o) => o.path);
        log(`${place(i)} → ${outputs.join(', ')} (${seconds} s)`);
        for (const line of outcomeNotes(outputs, job.warnings, job.qa)) log(line);
      } else {
        report.failed++;
        fail(`${place(i)}: ${job.error}`);
      }
      if (waiting.size === 0) settle();
    };
    queue.events.on('jobDone', finish);
    queue.events.on('jobFailed', finish);
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
      for (const id of [...waiting.keys()]) finish(await queue.get(id));
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
