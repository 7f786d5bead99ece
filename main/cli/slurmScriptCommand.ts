import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { arraySpec, incompleteShards, slurmScript } from '../cluster/slurmScript.js';
import { normaliseRecipe } from '../services/jobRecipe.js';
import { collectInputs } from '../services/collectInputs.js';
import { parseCount, recipeFromOptions, RECIPE_OPTIONS } from './recipeOptions.js';
import { UsageError } from './usage.js';

/** The recipe options slurm-script passes on to `process` on the compute nodes, as given. */
const PASSED_ON = Object.keys(RECIPE_OPTIONS).filter((o) => o !== 'threads' && o !== 'recursive');

/**
 * `aia-studio slurm-script --shards N --script FILE [process options] FILES_OR_DIRS…`: writes FILE, an
 * sbatch array script whose tasks process the batch's N shards, and FILE.inputs, the batch's files.
 * Run again with the same options, it writes an array of only the shards with products missing.
 */
export async function slurmScriptCommand(argv: string[], log: (line: string) => void): Promise<void> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    tokens: true,
    options: {
      ...RECIPE_OPTIONS,
      shards: { type: 'string' },
      script: { type: 'string' },
      time: { type: 'string', default: '04:00:00' },
      'cpus-per-task': { type: 'string', default: '8' },
      mem: { type: 'string', default: '8G' },
      partition: { type: 'string' },
      'job-name': { type: 'string', default: 'aia-studio' },
      command: { type: 'string', default: 'aia-studio' },
    },
  });
  const recipe = normaliseRecipe(recipeFromOptions(values));
  const shards = parseCount('--shards', values.shards);
  if (!shards) throw new UsageError('slurm-script needs --shards N (N ≥ 1: the array tasks)');
  if (!values.script) throw new UsageError('slurm-script needs --script FILE (the sbatch script to write)');
  if (positionals.length === 0) throw new UsageError('no input files or folders given');
  const inputs = (await collectInputs(positionals, values.recursive!)).map((p) => resolve(p));
  if (inputs.length === 0) throw new UsageError('no FITS files found in the folders given');
  if (shards > inputs.length)
    throw new UsageError(`--shards ${shards} is more than the ${inputs.length} files`);

  const processArgs: string[] = [];
  for (const token of tokens)
    if (token.kind === 'option' && PASSED_ON.includes(token.name))
      processArgs.push(`--${token.name}`, ...(token.value === undefined ? [] : [token.value]));
  // the output folder and the pointing table as absolute paths: the nodes start elsewhere
  const at = processArgs.indexOf('--out');
  processArgs[at + 1] = recipe.outputDir;
  const table = processArgs.indexOf('--pointing-table');
  if (table >= 0) processArgs[table + 1] = recipe.pointingTablePath!;

  const script = resolve(values.script);
  const listFile = `${script}.inputs`;
  const todo = await incompleteShards(inputs, recipe, shards);
  if (todo.length === 0) {
    log(`every product of the ${inputs.length} files is in ${recipe.outputDir}: nothing to submit`);
    return;
  }
  await writeFile(listFile, `${[...inputs].sort().join('\n')}\n`);
  const text = slurmScript(
    {
      processArgs,
      listFile,
      shards,
      jobName: values['job-name']!,
      time: values.time!,
      cpusPerTask: parseCount('--cpus-per-task', values['cpus-per-task'])!,
      memory: values.mem!,
      partition: values.partition,
      command: values.command!,
    },
    todo,
  );
  await writeFile(script, text, { mode: 0o755 });
  log(
    `${script}: ${todo.length === shards ? `all ${shards} shards` : `shards ${arraySpec(todo)} of ${shards} (the others are done)`} ` +
      `of ${inputs.length} files; submit it with: sbatch ${script}`,
  );
}
