import type { JobRecipe } from '../contract/index.js';
import { OutputOwners, productsOnDisk } from '../services/outputOwnership.js';
import { identify } from '../services/processingQueue.js';
import { shardOf, type Shard } from './shard.js';

export interface SlurmOptions {
  /** The `aia-studio process` options that make the recipe, as given (--level, --out, …). */
  processArgs: string[];
  /** The file listing the batch's inputs, one absolute path a line (written beside the script). */
  listFile: string;
  shards: number;
  jobName: string;
  time: string;
  cpusPerTask: number;
  memory: string;
  partition?: string;
  /** How aia-studio is started on the compute nodes. */
  command: string;
}

/**
 * The shards (1-based) with a product missing: those a resubmission runs. A shard is complete when
 * every input's products are on disk, newer than it and of its observation (productsOnDisk).
 */
export async function incompleteShards(
  inputs: string[],
  recipe: JobRecipe,
  shards: number,
): Promise<number[]> {
  const missing: number[] = [];
  for (let index = 1; index <= shards; index++) {
    const shard: Shard = { index, count: shards };
    for (const input of shardOf(inputs, shard))
      if (!(await productsOnDisk(await identify(input), recipe, new OutputOwners()))) {
        missing.push(index);
        break;
      }
  }
  return missing;
}

/** `1-3,7,9-10` for sbatch --array. */
export function arraySpec(indices: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    runs.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * An `sbatch --array` script: task K runs `aia-studio process --shard K/N --from-list LIST` with the
 * batch's options, so each task makes its part of the products (atomically, each once) and exits 1
 * when a file of its part failed. `shardsToRun` are the array's tasks (all, or the incomplete ones).
 */
export function slurmScript(options: SlurmOptions, shardsToRun: number[]): string {
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${options.jobName}`,
    `#SBATCH --array=${arraySpec(shardsToRun)}`,
    `#SBATCH --cpus-per-task=${options.cpusPerTask}`,
    `#SBATCH --mem=${options.memory}`,
    `#SBATCH --time=${options.time}`,
    `#SBATCH --output=${options.jobName}-%A_%a.log`,
    ...(options.partition ? [`#SBATCH --partition=${options.partition}`] : []),
    '# Written by aia-studio slurm-script. Resume after a failure or a time-out: run slurm-script again',
    '# with the same options; it writes an array of only the shards whose products are missing.',
    'set -euo pipefail',
    `exec ${options.command} process ${options.processArgs.map(quote).join(' ')} \\`,
    `  --threads "\${SLURM_CPUS_PER_TASK:-${options.cpusPerTask}}" \\`,
    `  --shard "\${SLURM_ARRAY_TASK_ID}/${options.shards}" --from-list ${quote(options.listFile)}`,
    '',
  ];
  return lines.join('\n');
}
