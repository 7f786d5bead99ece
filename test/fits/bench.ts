/**
 * Timing of the FITS codec on full-resolution frames (not a test; run on demand), decoding both on this
 * thread (readFitsImage) and on the tile decode pool (decodeFitsImage; needs the build in dist/):
 *   npx vite-node test/fits/bench.ts [FILE.fits ...]
 * Defaults to the four 4096² int16 RICE files of /work/shared/data/aia/fullres_l1_synthetic.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeTileDecodePool,
  decodeFitsImage,
  encodeFits,
  readFitsImage,
  toFloat64,
  type OutputFormat,
} from '../../main/engine/fits/index.js';
import { AIA_DATA } from './helpers.js';

interface Timing<T> {
  first: number;
  best: number;
  median: number;
  result: T;
}

async function time<T>(run: () => T | Promise<T>, repeats: number): Promise<Timing<T>> {
  const times: number[] = [];
  let result: T | undefined;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    result = await run();
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { first: times[0], best: sorted[0], median: sorted[sorted.length >> 1], result: result! };
}

const folder = join(AIA_DATA, 'fullres_l1_synthetic');
const files = process.argv.slice(2);
if (files.length === 0 && existsSync(folder)) {
  for (const name of readdirSync(folder).sort()) if (name.endsWith('.fits')) files.push(join(folder, name));
}
const ms = (v: number): string => `${v.toFixed(0)} ms`;

for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  const read = await time(() => readFitsImage(bytes), 9);
  const parallel = await time(() => decodeFitsImage(bytes), 9);
  const image = read.result;
  console.log(
    `${file.split('/').pop()}: ${image.width}×${image.height} decode first ${ms(read.first)}, ` +
      `median ${ms(read.median)}; on the worker pool first ${ms(parallel.first)}, median ${ms(parallel.median)}`,
  );
}
await closeTileDecodePool();

if (files.length > 0) {
  const image = readFitsImage(new Uint8Array(readFileSync(files[0])));
  const physical = toFloat64(image, { blank: 'nan' });
  const inputs = { Float32Array: Float32Array.from(physical), Int16Array: image.raw as Int16Array };
  const runs: [OutputFormat, keyof typeof inputs][] = [
    ['float32', 'Float32Array'],
    ['rice', 'Float32Array'],
    ['rice', 'Int16Array'],
  ];
  for (const [format, kind] of runs) {
    const run = await time(
      () =>
        encodeFits(
          { header: image.header, width: image.width, height: image.height, data: inputs[kind] },
          { format },
        ),
      3,
    );
    const mb = (run.result.length / 1e6).toFixed(1);
    console.log(`encode ${format} from ${kind}: first ${ms(run.first)}, best ${ms(run.best)}, ${mb} MB`);
  }
}
