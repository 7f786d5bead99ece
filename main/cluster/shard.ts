/** `--shard K/N`: the K-th of N parts of a batch (K from 1, as Slurm's array task ids). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `K/N`; throws a message naming the option when it is not 1 ≤ K ≤ N. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!(count >= 1 && index >= 1 && index <= count))
    throw new Error(`--shard takes K/N with 1 ≤ K ≤ N (got '${text}')`);
  return { index, count };
}

/**
 * The shard's inputs: the batch sorted (by code unit, the same on every host and locale) and cut into
 * N contiguous runs whose sizes differ by at most one. Every input is in exactly one shard, whichever
 * host computes the split, so N array tasks over the same files make each product once.
 */
export function shardOf<T extends string>(inputs: readonly T[], shard: Shard): T[] {
  const sorted = [...inputs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const from = Math.floor(((shard.index - 1) * sorted.length) / shard.count);
  const to = Math.floor((shard.index * sorted.length) / shard.count);
  return sorted.slice(from, to);
}
