import type { BackendLanes } from '../compute/backendLanes.js';
import { readInputFile } from '../fits/index.js';
import type { ChannelOptics } from './channelOptics.js';
import { expectedOutputs } from './outputFiles.js';
import { produceFile, type ProcessOutcome } from './processFile.js';
import type { Recipe } from './recipe.js';

/** What the caller of processBatch hears, and may decide, per file (by its index in the batch). */
export interface BatchHooks {
  /** Just before a file computes; throwing fails the file (an output it must not replace, say). */
  admit?(index: number): Promise<void> | void;
  finished?(index: number, outcome: ProcessOutcome, seconds: number): void;
  failed?(index: number, error: unknown): void;
}

/**
 * Files through processFile with one image in flight per lane of the backend: while one file waits
 * for the GPU or for its output to be written, the next reads, decodes and lays out its image on
 * another lane. Files start in order; each file's bytes are read `lanes.count` files ahead, so reading
 * overlaps compute too, and a file leaves its lane once its products are written, so their flush to
 * disk overlaps the next file too (files may finish out of order). A file whose products a file in
 * flight is making waits for that one to finish, then `admit` decides as if they had run one after the
 * other. A failure is the file's own: the batch goes on.
 */
export async function processBatch(
  inputs: readonly string[],
  recipe: Recipe,
  lanes: BackendLanes,
  optics: ChannelOptics,
  hooks: BatchHooks = {},
): Promise<void> {
  const reads = new Map<number, Promise<Uint8Array>>();
  const readAhead = (index: number) => {
    if (index >= inputs.length || reads.has(index)) return;
    const bytes = readInputFile(inputs[index], { shared: true });
    bytes.catch(() => undefined);
    reads.set(index, bytes);
  };
  /** Each product being made → the end of the file in flight that makes it. */
  const making = new Map<string, Promise<void>>();
  let next = 0;

  /** One file, from its turn to its products renamed into place; `leftLane` is called once it needs no lane. */
  const runFile = async (index: number, bytes: Promise<Uint8Array> | undefined, leftLane: () => void) => {
    const products = expectedOutputs(recipe, inputs[index]);
    let ended!: () => void;
    const end = new Promise<void>((done) => (ended = done));
    const started = performance.now();
    try {
      for (let busy = inFlight(making, products); busy.length > 0; busy = inFlight(making, products))
        await Promise.all(busy);
      for (const product of products) making.set(product, end);
      await hooks.admit?.(index);
      const produced = await lanes.run((backend) =>
        produceFile(inputs[index], recipe, { backend, optics }, bytes),
      );
      // the products' flush to disk goes on while the lane computes the next file
      leftLane();
      const outcome = await produced.commit();
      hooks.finished?.(index, outcome, (performance.now() - started) / 1000);
    } catch (error) {
      hooks.failed?.(index, error);
    } finally {
      for (const product of products) if (making.get(product) === end) making.delete(product);
      ended();
      leftLane();
    }
  };
  const files: Promise<void>[] = [];
  const runFiles = async () => {
    for (let index = next++; index < inputs.length; index = next++) {
      for (let ahead = index; ahead <= index + lanes.count; ahead++) readAhead(ahead);
      const bytes = reads.get(index);
      reads.delete(index);
      let leftLane!: () => void;
      const left = new Promise<void>((done) => (leftLane = done));
      const file = runFile(index, bytes, leftLane);
      files.push(file);
      await Promise.race([left, file]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes.count, inputs.length) }, runFiles));
  await Promise.all(files);
}

/** The ends of the files in flight that make any of these products. */
function inFlight(making: Map<string, Promise<void>>, products: string[]): Promise<void>[] {
  return products.flatMap((product) => making.get(product) ?? []);
}
