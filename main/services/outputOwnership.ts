import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { expectedOutputs, partialWriter } from '../engine/pipeline/outputFiles.js';
import type { ProductLevel } from '../engine/pipeline/recipe.js';
import { canDeconvolve } from '../engine/pipeline/channelOptics.js';
import { observationOf } from './fitsObservation.js';
import { writerMayRun } from './processIdentity.js';

/**
 * Two inputs with the same file name from different folders would make products of the same name. An
 * output file belongs to the input that made it: another input whose product would land on it fails
 * with a message naming the first one, instead of silently replacing it (or being skipped as done
 * because "its" output is there). The user decides: another output folder, or a renamed file.
 */
export class OutputCollisionError extends Error {
  override name = 'OutputCollisionError';
  readonly reason = 'output-collision';
}

/** Which input made each output, for the outputs made so far (by a batch, or by the jobs in history). */
export class OutputOwners {
  /** output → input → how many records say so (one input may have made it with several recipes). */
  private readonly owners = new Map<string, Map<string, number>>();

  claim(input: string, outputs: readonly string[]): void {
    for (const output of outputs) {
      const inputs = this.owners.get(output) ?? new Map<string, number>();
      inputs.set(input, (inputs.get(input) ?? 0) + 1);
      this.owners.set(output, inputs);
    }
  }

  release(input: string, outputs: readonly string[]): void {
    for (const output of outputs) {
      const inputs = this.owners.get(output);
      const count = inputs?.get(input) ?? 0;
      if (count > 1) inputs!.set(input, count - 1);
      else inputs?.delete(input);
      if (inputs?.size === 0) this.owners.delete(output);
    }
  }

  /** Whether any input in the history made this output. */
  known(output: string): boolean {
    return this.owners.has(output);
  }

  /** Whether this input made the output itself (an earlier run of the same file). */
  owns(input: string, output: string): boolean {
    return this.owners.get(output)?.has(input) ?? false;
  }

  /** Another input that made this output, if any. */
  otherOwner(input: string, output: string): string | undefined {
    for (const owner of this.owners.get(output)?.keys() ?? []) if (owner !== input) return owner;
    return undefined;
  }
}

/**
 * Throws an OutputCollisionError when writing this input's products would replace a file that is not
 * its own: one another input made (as far as `owners` knows), or one on disk that holds another
 * observation. A product of the same observation is replaced (the file processed again); nothing else.
 */
export async function requireOwnOutputs(
  input: string,
  outputs: readonly string[],
  owners: OutputOwners,
): Promise<void> {
  let inputObservation: Promise<string | undefined> | undefined;
  for (const output of outputs) {
    const existing = await stat(output).catch(() => undefined);
    if (!existing || owners.owns(input, output)) continue;
    const other = owners.otherOwner(input, output);
    if (other !== undefined) {
      throw new OutputCollisionError(
        `${output} is already the product of ${other} (a file of the same name from another folder); ` +
          'not overwritten: give one of them another output folder, or rename it',
      );
    }
    inputObservation ??= observationOf(input).then(
      (o) => o?.text,
      () => undefined,
    );
    const [theirs, ours] = await Promise.all([
      observationOf(output).then(
        (o) => o?.text,
        () => undefined,
      ),
      inputObservation,
    ]);
    if (theirs !== ours) {
      throw new OutputCollisionError(
        `${output} already exists and holds another observation (${theirs ?? 'not an AIA product'}; ` +
          `this file is ${ours ?? 'not an AIA image'}); not overwritten: choose another output folder, or remove it`,
      );
    }
  }
}

/**
 * Whether every product the input can have is already on disk, made from its current content: each
 * is newer than the input and holds the same observation, and no job in the history made it (then the
 * history knows better: another file's product, or this file's with another recipe). This is what
 * keeps a file from being done twice once its job has left the history (cleared, or a new data
 * folder): the products on disk are the record. A level the file cannot have (1.6 of a channel
 * without a PSF model or of a binned image: processing makes its other levels and a warning) is not
 * looked for. The recipe the products were made with is not in them, so a changed recipe over the
 * same output folder keeps them; remove them to have them made again.
 */
export async function productsOnDisk(
  input: { path: string; mtimeMs: number },
  recipe: { outputDir: string; levels: ProductLevel[] },
  owners: OutputOwners,
): Promise<boolean> {
  const ours = await observationOf(input.path).catch(() => undefined);
  if (ours === undefined) return false;
  const possible = recipe.levels.filter(
    (level) => level !== '1.6' || canDeconvolve(ours.channel, ours.width, ours.height),
  );
  if (possible.length === 0) return false;
  const outputs = expectedOutputs({ ...recipe, levels: possible }, input.path);
  const stats = await Promise.all(outputs.map((o) => stat(o).catch(() => undefined)));
  if (stats.some((s) => !s || s.mtimeMs < input.mtimeMs)) return false;
  if (outputs.some((o) => owners.known(o))) return false;
  for (const output of outputs)
    if ((await observationOf(output).catch(() => undefined))?.text !== ours.text) return false;
  return true;
}

/**
 * Removes the temporary files a killed process left beside these products: only names of our own
 * pattern for exactly these products (`<product>.<pid>-<hex>.partial`), and only when their writer no
 * longer runs (its pid is gone, or now belongs to a process that started after the file was written),
 * so another AIA Studio writing the same folder keeps its own. Returns the paths removed.
 */
export async function removeStalePartials(products: readonly string[]): Promise<string[]> {
  const byFolder = new Map<string, Set<string>>();
  for (const product of products) {
    const names = byFolder.get(dirname(product)) ?? new Set<string>();
    byFolder.set(dirname(product), names.add(basename(product)));
  }
  const removed: string[] = [];
  for (const [folder, names] of byFolder) {
    const entries = await readdir(folder).catch(() => [] as string[]);
    for (const entry of entries) {
      if (!entry.endsWith('.partial')) continue;
      const product = entry.slice(0, entry.lastIndexOf('.', entry.length - '.partial'.length - 1));
      const writer = names.has(product) ? partialWriter(entry, product) : undefined;
      if (writer === undefined) continue;
      const path = join(folder, entry);
      const written = await stat(path).catch(() => undefined);
      if (!written?.isFile() || writerMayRun(writer, written.mtimeMs)) continue;
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
