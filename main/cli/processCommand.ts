import { mkdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { MasterPointingTable } from '../engine/aia/pointing.js';
import { openBackendLanes } from '../gpuHost/chooseBackend.js';
import { expectedOutputs } from '../engine/pipeline/outputFiles.js';
import { processBatch } from '../engine/pipeline/processBatch.js';
import type { Recipe } from '../engine/pipeline/recipe.js';
import { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { defaultCacheDir } from '../appPaths.js';
import { collectInputs } from '../services/collectInputs.js';
import { describeError } from '../services/describeError.js';
import { engineRecipe } from '../services/jobRecipe.js';
import { OutputOwners, removeStalePartials, requireOwnOutputs } from '../services/outputOwnership.js';
import { outcomeNotes } from './outcomeNotes.js';
import { parseImagesInFlight, parseThreads, recipeFromOptions, RECIPE_OPTIONS } from './recipeOptions.js';
import { UsageError } from './usage.js';
import { parseShard, shardOf } from '../cluster/shard.js';

export interface ProcessReport {
  succeeded: number;
  failed: number;
}

export async function processCommand(
  argv: string[],
  log: (line: string) => void,
  fail: (line: string) => void,
) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...RECIPE_OPTIONS,
      cluster: { type: 'string' },
      shard: { type: 'string' },
      'from-list': { type: 'string' },
    },
  });
  const jobRecipe = recipeFromOptions(values);
  const threads = parseThreads(values.threads);
  // --from-list FILE: one path a line (a batch too long for a command line: slurm-script's shards)
  if (values['from-list'] !== undefined)
    positionals.push(...(await readFile(values['from-list'], 'utf8')).split('\n').filter((l) => l !== ''));
  if (positionals.length === 0) throw new UsageError('no input files or folders given');

  const pointingPath = jobRecipe.pointingTablePath;
  const pointingTable = pointingPath
    ? MasterPointingTable.parse(await readFile(pointingPath, 'utf8'), basename(pointingPath))
    : undefined;
  const recipe: Recipe = engineRecipe(jobRecipe, pointingTable);
  await mkdir(recipe.outputDir, { recursive: true });
  const found = await collectInputs(positionals, values.recursive!);
  if (found.length === 0) throw new UsageError('no FITS files found in the folders given');
  const inputs = values.shard === undefined ? found : shardOf(found, usageShard(values.shard));
  if (values.cluster !== undefined) {
    // imported only here: the cluster client (bullmq, ioredis) is most of the CLI's modules
    const { processOnCluster } = await import('./clusterProcess.js');
    return processOnCluster(values.cluster, inputs, jobRecipe, log, fail);
  }
  // A run that was killed left its temporary files: ours (by name and writer), for these products only.
  for (const partial of await removeStalePartials(inputs.flatMap((i) => expectedOutputs(recipe, i))))
    log(`removed ${partial}, left by a run that was stopped`);

  const { lanes, note } = openBackendLanes(jobRecipe.backend, {
    threads,
    imagesInFlight: parseImagesInFlight(values['in-flight']),
  });
  log(note);
  const optics = new ChannelOptics(values['cache-dir'] ?? defaultCacheDir());
  const report: ProcessReport = { succeeded: 0, failed: 0 };
  // Which input made each output so far: a later file of the same name fails instead of replacing it.
  const owners = new OutputOwners();
  const started = performance.now();
  const place = (i: number) => `[${i + 1}/${inputs.length}] ${inputs[i]}`;
  try {
    await processBatch(inputs, recipe, lanes, optics, {
      admit: (i) => requireOwnOutputs(inputs[i], expectedOutputs(recipe, inputs[i]), owners),
      finished: (i, outcome, seconds) => {
        owners.claim(inputs[i], outcome.outputs);
        report.succeeded++;
        log(`${place(i)} → ${outcome.outputs.join(', ')} (${seconds.toFixed(2)} s)`);
        for (const line of outcomeNotes(outcome.outputs, outcome.warnings, outcome.qa)) log(line);
      },
      failed: (i, error) => {
        report.failed++;
        fail(`${place(i)}: ${describeError(error)}`);
      },
    });
  } finally {
    await lanes.dispose();
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  log(`${report.succeeded} succeeded, ${report.failed} failed, ${inputs.length} files in ${total} s`);
  return report;
}

/** --shard K/N, or a usage error. */
function usageShard(text: string) {
  try {
    return parseShard(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
