import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readFitsImageFile, toFloat64 } from '../main/engine/fits/index.js';
import { DEFAULT_RECIPE } from '../main/engine/pipeline/recipe.js';
import { PsfCache } from '../main/engine/psf/index.js';
import { AIAPY_REFERENCE } from './aiapyReference.js';
import { createBackend } from './backends.js';
import {
  benchFrames,
  median,
  oraclePsfFile,
  oracleSeconds,
  runChild,
  type BenchOptions,
  type BenchRow,
} from './benchSupport.js';
import { benchFileToFile } from './fileRuns.js';
import { withRowsMissing } from './stressedFrames.js';

/** The side of the PSF the engine computes (the CCD's). */
const PSF_SIDE = 4096;

/** The centre width×height of a side×side array (the array itself when it is that size). */
function centreCrop(psf: Float64Array, side: number, width: number, height: number): Float64Array {
  if (width === side && height === side) return psf;
  const crop = new Float64Array(width * height);
  const x0 = (side - width) >> 1;
  const y0 = (side - height) >> 1;
  for (let y = 0; y < height; y++)
    crop.set(psf.subarray((y0 + y) * side + x0, (y0 + y) * side + x0 + width), y * width);
  return crop;
}

/**
 * PSF (cold, fresh process), Richardson–Lucy (25 iterations) and level 1.6 file-to-file with its
 * peak RSS and stage breakdown, on the 171 Å frame, beside the oracle's PSF and deconvolution timed
 * in the same run. Richardson–Lucy runs on the pass's backend (float32, the pipeline's default); the
 * PSF has no backend choice (it is computed once per channel on the CPU), so it is timed in the cpu
 * pass only.
 */
export async function benchLevel16(wanted: Set<string>, options: BenchOptions): Promise<BenchRow[]> {
  const { repeat, withOracle } = options;
  // A smoke run deconvolves the 128² real 171 Å file with the PSF's centre (level 1.6 itself needs 4096²).
  const frame = benchFrames(options).find((i) => /_171(a_|_)/.test(i.name))!.file;
  const channel = 171;
  const name = basename(frame);
  const onCpu = options.backend === 'cpu';
  const rows: BenchRow[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'aia-bench-l16-'));
  try {
    const oraclePsf =
      withOracle && wanted.has('deconvolve') ? await oraclePsfFile(channel, scratch) : undefined;
    if (onCpu && wanted.has('psf')) {
      const runs = Array.from({ length: repeat }, () =>
        runChild<{ wallMs: number }>('psfCold.js', [String(channel)]),
      );
      rows.push({
        bench: 'psf',
        case: `${channel} Å`,
        backend: 'cpu',
        metric: 'PSF cold s',
        unit: 's',
        ours: median(runs.map((r) => r.wallMs)) / 1000,
        oracle: withOracle ? await oracleSeconds(['psf', String(channel)]) : undefined,
        aiapy: AIAPY_REFERENCE.psfSeconds,
      });
    }
    const cacheDir = join(scratch, 'psf-cache');
    const fullPsf = new PsfCache(cacheDir).get(channel);
    if (wanted.has('deconvolve')) {
      const image = await readFitsImageFile(frame);
      const data = toFloat64(image, { blank: 'nan' });
      const psf = centreCrop(fullPsf, PSF_SIDE, image.width, image.height);
      const backend = createBackend(options.backend);
      try {
        const precision = DEFAULT_RECIPE.deconvolutionPrecision;
        const otfStart = performance.now();
        const otf = backend.prepareTransfer(psf, image.width, image.height, precision);
        const otfSeconds = (performance.now() - otfStart) / 1000;
        const n = image.width * image.height;
        const times: number[] = [];
        for (let i = 0; i <= repeat; i++) {
          const start = performance.now();
          // As level 1.6 runs it (processFile's deconvolve): the image written where the backend reads
          // it, the result written over it. FFTW's peer copies its image into its estimate likewise.
          const into =
            backend.deconvolutionImage?.(image.width, image.height, precision) ??
            (precision === 'f32' ? new Float32Array(n) : new Float64Array(n));
          into.set(data);
          await backend.deconvolve(into, image.width, image.height, otf, 25, undefined, into);
          if (i > 0) times.push((performance.now() - start) / 1000); // run 0 warms the JIT
        }
        const base = { bench: 'deconvolve', case: name, backend: options.backend, unit: 's' } as const;
        rows.push({
          ...base,
          metric: 'Richardson-Lucy 25 it s',
          ours: median(times),
          oracle: oraclePsf ? await oracleSeconds(['deconvolve', frame, '--psf', oraclePsf]) : undefined,
          aiapy: AIAPY_REFERENCE.deconvolveSeconds,
        });
        rows.push({ ...base, metric: 'optical transfer (once per channel) s', ours: otfSeconds });
      } finally {
        await backend.dispose();
      }
    }
    if (wanted.has('lev16') && options.smoke) {
      console.error('lev16 not timed in a smoke run: level 1.6 needs a 4096² frame');
    } else if (wanted.has('lev16')) {
      const fileCase = { bench: 'lev16', case: name, backend: options.backend, product: 'level 1.6' };
      const aiapy = { seconds: AIAPY_REFERENCE.level16FileSeconds, peakRssMb: AIAPY_REFERENCE.level16PeakMb };
      const job = { file: frame, mode: 'default', levels: '1.6', cacheDir } as const;
      rows.push(...(await benchFileToFile({ ...fileCase, aiapy }, job, options)));
      // The widest hole fills, register's and Richardson–Lucy's start (no target: a frame this bad is rare)
      const gapCase = { ...fileCase, case: `${channel} Å, its first third of rows missing` };
      rows.push(
        ...(await benchFileToFile(gapCase, { ...job, file: await withRowsMissing(frame, scratch) }, options)),
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return rows;
}
