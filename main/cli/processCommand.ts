import { mkdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { MasterPointingTable } from '../engine/aia/pointing.js';
import { openBackend } from '../engine/compute/gpu/chooseBackend.js';
import { processFile } from '../engine/pipeline/processFile.js';
import type { Recipe } from '../engine/pipeline/recipe.js';
import { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { defaultCacheDir } from '../appPaths.js';
import { collectInputs } from '../services/collectInputs.js';
import { describeError } from '../services/describeError.js';
import { engineRecipe } from '../services/jobRecipe.js';
import { expectedOutputs, OutputOwners, requireOwnOutputs } from '../services/outputOwnership.js';
import { parseThreads, recipeFromOptions, RECIPE_OPTIONS } from './recipeOptions.js';
import { UsageError } from './usage.js';

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
    options: RECIPE_OPTIONS,
  });
  const jobRecipe = recipeFromOptions(values);
  const threads = parseThreads(values.threads);
  if (positionals.length === 0) throw new UsageError('no input files or folders given');

  const pointingPath = jobRecipe.pointingTablePath;
  const pointingTable = pointingPath
    ? MasterPointingTable.parse(await readFile(pointingPath, 'utf8'), basename(pointingPath))
    : undefined;
  const recipe: Recipe = engineRecipe(jobRecipe, pointingTable);
  await mkdir(recipe.outputDir, { recursive: true });
  const inputs = await collectInputs(positionals, values.recursive!);
  if (inputs.length === 0) throw new UsageError('no FITS files found in the folders given');

  const { backend, note } = openBackend(jobRecipe.backend, { threads });
  log(note);
  const context = { backend, optics: new ChannelOptics(values['cache-dir'] ?? defaultCacheDir()) };
  const report: ProcessReport = { succeeded: 0, failed: 0 };
  // Which input made each output so far: a later file of the same name fails instead of replacing it.
  const owners = new OutputOwners();
  const started = performance.now();
  // Reading the next file overlaps the current one's compute.
  const readAhead = (i: number) =>
    i < inputs.length ? readFile(inputs[i]).then((b) => new Uint8Array(b)) : undefined;
  let next = readAhead(0);
  next?.catch(() => undefined);
  try {
    for (let i = 0; i < inputs.length; i++) {
      const current = next;
      next = readAhead(i + 1);
      next?.catch(() => undefined);
      const t0 = performance.now();
      try {
        await requireOwnOutputs(inputs[i], expectedOutputs(recipe, inputs[i]), owners);
        const outcome = await processFile(inputs[i], recipe, context, current);
        owners.claim(inputs[i], outcome.outputs);
        report.succeeded++;
        const seconds = ((performance.now() - t0) / 1000).toFixed(2);
        log(`[${i + 1}/${inputs.length}] ${inputs[i]} → ${outcome.outputs.join(', ')} (${seconds} s)`);
        for (const w of outcome.warnings) log(`  warning: ${w}`);
      } catch (error) {
        report.failed++;
        fail(`[${i + 1}/${inputs.length}] ${inputs[i]}: ${describeError(error)}`);
      }
    }
  } finally {
    await backend.dispose();
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  log(`${report.succeeded} succeeded, ${report.failed} failed, ${inputs.length} files in ${total} s`);
  return report;
}
