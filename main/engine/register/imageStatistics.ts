/** DATAMIN … DATARMS as aia_prep recomputes them (aiapy leaves them stale), over finite pixels. */
export interface ImageStatistics {
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Standard deviation about the mean. */
  rms: number;
  validPixels: number;
  missingPixels: number;
  /**
   * The ones'-complement sum of the samples' 32-bit words (the FITS DATASUM of their big-endian
   * encoding), where the backend summed them in its pass over the samples.
   */
  wordSum?: number;
}

/*
 * Two passes, no sort: the median is found by radix selection on the float32 bit patterns mapped to
 * order-preserving keys (top 16 bits counted in the first pass, low 16 bits of the chosen buckets in
 * the second), so it is exact for float32 data and float32-rounded for float64 data. Backends run the
 * passes in parallel bands (ComputeBackend.statistics) and select with the helpers below;
 * computeImageStatistics is the same on the calling thread, for data held by no backend.
 */

/** The two middle elements' buckets (top 16 key bits) and their ranks inside those buckets. */
export interface MedianBuckets {
  lowBucket: number;
  lowRank: number;
  highBucket: number;
  highRank: number;
}

/** Locates the middle element(s) of `n` finite samples from the counts of their top 16 key bits. */
export function medianBuckets(high: Uint32Array, n: number): MedianBuckets {
  const lowerRank = Math.floor((n - 1) / 2);
  const upperRank = Math.ceil((n - 1) / 2);
  const [lowBucket, lowBefore] = bucketOf(high, lowerRank);
  const [highBucket, highBefore] = bucketOf(high, upperRank);
  return { lowBucket, lowRank: lowerRank - lowBefore, highBucket, highRank: upperRank - highBefore };
}

/**
 * The median from the low-16-bit counts of the two buckets (`highCounts` is ignored when both middle
 * elements share a bucket): the mean of the two middle values, as numpy's median.
 */
export function medianFrom(b: MedianBuckets, lowCounts: Uint32Array, highCounts: Uint32Array): number {
  const upperCounts = b.highBucket === b.lowBucket ? lowCounts : highCounts;
  const lower = keyToFloat((b.lowBucket << 16) | bucketOf(lowCounts, b.lowRank)[0]);
  const upper = keyToFloat((b.highBucket << 16) | bucketOf(upperCounts, b.highRank)[0]);
  return (lower + upper) / 2;
}

/** The statistics of an image without a finite pixel. */
export function noStatistics(missingPixels: number): ImageStatistics {
  return { min: NaN, max: NaN, mean: NaN, median: NaN, rms: NaN, validPixels: 0, missingPixels };
}

export function computeImageStatistics(data: Float32Array | Float64Array): ImageStatistics {
  const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
  const bits = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  const high = new Uint32Array(65536);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    high[sortableKey(bits[i]) >>> 16]++;
  }
  const missingPixels = data.length - n;
  if (n === 0) return noStatistics(missingPixels);
  const mean = sum / n;
  const buckets = medianBuckets(high, n);
  const { lowBucket, highBucket } = buckets;
  const lowCounts = new Uint32Array(65536);
  const highCounts = new Uint32Array(65536);
  let squares = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) continue;
    squares += (v - mean) * (v - mean);
    const key = sortableKey(bits[i]);
    const bucket = key >>> 16;
    if (bucket === lowBucket) lowCounts[key & 0xffff]++;
    else if (bucket === highBucket) highCounts[key & 0xffff]++;
  }
  return {
    min,
    max,
    mean,
    median: medianFrom(buckets, lowCounts, highCounts),
    rms: Math.sqrt(squares / n),
    validPixels: n,
    missingPixels,
  };
}

/** Maps float32 bits to an unsigned key with the same order as the floats. */
function sortableKey(u: number): number {
  return (u & 0x80000000 ? ~u : u | 0x80000000) >>> 0;
}

function keyToFloat(key: number): number {
  const u = key & 0x80000000 ? key & 0x7fffffff : ~key;
  return new Float32Array(new Uint32Array([u >>> 0]).buffer)[0];
}

/** The bucket holding the element of the given rank, and how many elements come before it. */
function bucketOf(counts: Uint32Array, rank: number): [number, number] {
  let before = 0;
  for (let b = 0; b < counts.length; b++) {
    if (before + counts[b] > rank) return [b, before];
    before += counts[b];
  }
  throw new Error('rank beyond the counted elements');
}
