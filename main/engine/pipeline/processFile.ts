import { requireFullDisk } from '../aia/fullDisk.js';
import { AIA_FRAME_PIXELS, checkHeaderSanity } from '../aia/headerSanity.js';
import { InputRejectedError } from '../aia/inputRejection.js';
import { readObservation, requireLevel1, type AiaObservation } from '../aia/observation.js';
import { updatePointing } from '../aia/pointing.js';
import { readGeometry } from '../aia/wcs.js';
import type { ComputeBackend } from '../compute/computeBackend.js';
import {
  decodeFitsImage,
  encodeFits,
  encodeFitsInPlace,
  readFitsImage,
  readInputFile,
  tileDecodePool,
  type DecodeOptions,
  type FitsHeader,
  type FitsImage,
  type RawPixels,
} from '../fits/index.js';
import {
  listLevel1InLayout,
  measureLevel1,
  productQa,
  recordLevel1Qa,
  type Level1Samples,
  type Level1Scan,
  type ProductQa,
} from '../qa/index.js';
import { writeLevel15Keywords } from '../register/level15Header.js';
import { registerToLevel15, type PixelSource, type PixelWriter } from '../register/registerToLevel15.js';
import { APP_VERSION } from '../../version.js';
import type { ChannelOptics } from './channelOptics.js';
import { commitStaged, discardStaged, outputPath, stageFile, type StagedFile } from './outputFiles.js';
import { physicalPixels } from './physicalPixels.js';
import type { ProductLevel, Recipe } from './recipe.js';
import { StageClock, type Stage, type StageObserver, type StageProgress } from './stageMetrics.js';

export interface ProcessOutcome {
  input: string;
  outputs: string[];
  warnings: string[];
  /** The quality of each output (same order): metrics and flags, measured while it was made. */
  qa: ProductQa[];
  /** Per-stage wall and CPU time and memory, summed over the products made. */
  stages: StageClock['stages'];
}

/** What every file of a batch shares: the compute backend and the channels' PSFs. */
export interface BatchContext {
  backend: ComputeBackend;
  optics: ChannelOptics;
}

/**
 * One level 1 file through update_pointing → (exposure normalisation) → [deconvolve →] register →
 * one output per requested level, from a single read. Throws a FitsFormatError or InputRejectedError
 * with a user-facing message when the file can't be used.
 *
 * The products are written under temporary names and renamed into place together once every level
 * is made: a failure, or `signal` aborted (a cancelled job; checked before each stage and before the
 * renames, then it throws the signal's reason), leaves what was there before untouched.
 */
export async function processFile(...args: Parameters<typeof produceFile>): Promise<ProcessOutcome> {
  return (await produceFile(...args)).commit();
}

/** A file's products written under temporary names while their flush to disk goes on. */
export interface ProducedFile {
  /**
   * Waits for the flushes and renames the products into place (timed as 'write'); on a failure, or
   * the job's signal aborted, removes them instead and throws. Must be called once.
   */
  commit(): Promise<ProcessOutcome>;
}

/**
 * processFile up to its products' renames: what needs the backend. A batch commits a file after its
 * lane has gone on to the next one, so the flush to disk overlaps the next file's read and compute.
 */
export async function produceFile(
  inputPath: string,
  recipe: Recipe,
  context: BatchContext,
  preloaded?: Promise<Uint8Array>,
  observer?: StageObserver,
  signal?: AbortSignal,
): Promise<ProducedFile> {
  const clock = new StageClock(observer);
  const timed: Timer = (stage, work, level) => {
    observer?.progress?.({ stage, ...(level ? { level } : {}), done: 0, total: 1 });
    signal?.throwIfAborted();
    return clock.time(stage, work);
  };
  // told at each step of a long stage; a cancelled job stops there
  const report = (progress: StageProgress) => {
    observer?.progress?.(progress);
    signal?.throwIfAborted();
  };
  // the decode workers boot while the file is read (a batch's first file; later ones find them up)
  tileDecodePool().warm();

  const bytes = await timed('read', () => preloaded ?? readInputFile(inputPath, { shared: true }));
  // tile rows decoded on worker threads: this thread serves the other images in flight meanwhile
  const stage = stagedPixels(recipe, context.backend);
  let inWorkspace: RawPixels | undefined;
  const image = await timed('decode', () =>
    decodeFitsImage(bytes, {
      maxPixels: AIA_FRAME_PIXELS,
      pixels: stage && ((bitpix, count) => (inWorkspace = stage(bitpix, count))),
    }).finally(() => context.backend.endStaging?.()),
  );
  const header = image.header.clone();
  const warnings: string[] = [];

  const { observation, levels, pixels } = await timed('prepare', () => {
    const observation = readObservation(header);
    requireLevel1(observation);
    const pointing = updatePointing(
      header,
      observation.channel,
      observation.time,
      recipe.pointingTable,
      image,
    );
    warnings.push(...pointing.warnings);
    header.addHistory(pointing.history);
    // on the header the product is made from: the pointing table's values are checked too
    warnings.push(...checkHeaderSanity(header, recipe));
    requireFullDisk(readGeometry(header), image.width, image.height);
    const levels = feasibleLevels(recipe, observation, image, context, warnings);
    const exposure = recipe.normalizeExposure ? normalizeExposure(header) : 1;
    const pixels = physicalPixels(image, recipe.mode, exposure);
    listLevel1InLayout(pixels, image, header);
    return { observation, levels, pixels };
  });
  // The level 1 QA, from the lists of the first product's layout where it made them (else a pass of
  // its own), kept for the next level; written before the level 1.5 keywords replace the geometry.
  let level1Scan: Level1Scan | undefined;
  const recordQa = (levelHeader: FitsHeader, listed?: Level1Samples) => {
    // Samples decoded into the workspace are gone once laid out (the product took their memory): when
    // the layout could not list them (a band with too many saturated samples), they are decoded again.
    level1Scan ??= measureLevel1(listed || !inWorkspace ? image : readFitsImage(bytes), levelHeader, listed);
    recordLevel1Qa(level1Scan, image.header, levelHeader, recipe.pointingTable !== undefined);
  };

  const staged: StagedFile[] = [];
  const qa: ProductQa[] = [];
  try {
    for (const level of levels) {
      const levelHeader = header.clone();
      const source =
        level === '1.6'
          ? await timed(
              'deconvolve',
              () => deconvolve(pixels, image, observation, levelHeader, recipe, context, report),
              level,
            )
          : pixels;
      const product = await makeProduct(
        level,
        source,
        image,
        levelHeader,
        inputPath,
        recipe,
        context.backend,
        timed,
        recordQa,
      );
      staged.push(product.staged);
      qa.push(product.qa);
    }
  } catch (error) {
    await discardStaged(staged);
    throw error;
  }
  return {
    commit: async () => {
      try {
        await clock.time('write', async () => {
          signal?.throwIfAborted();
          await commitStaged(staged);
        });
      } catch (error) {
        await discardStaged(staged);
        throw error;
      }
      return { input: inputPath, outputs: staged.map((s) => s.path), warnings, qa, stages: clock.stages };
    },
  };
}

/**
 * int16 samples decoded straight into the backend's workspace, where register lays them out without
 * a copy (a 4096² frame: 32 MB less touched): when register is their only reader, which it is for a
 * level 1.5 product made from a float32 grid (default mode, float32 output) and nothing else (level
 * 1.6's deconvolution reads them first, through the workspace's other users).
 */
function stagedPixels(recipe: Recipe, backend: ComputeBackend): DecodeOptions['pixels'] {
  const onlyRegister = recipe.levels.length === 1 && recipe.levels[0] === '1.5';
  const float32Grid = recipe.mode === 'default' && recipe.format !== 'float64';
  if (!onlyRegister || !float32Grid || !backend.stageSamples) return undefined;
  const stage = backend.stageSamples.bind(backend);
  return (bitpix, count) => (bitpix === 16 ? stage(count) : undefined);
}

/**
 * The requested levels this file can have. Level 1.6 needs a PSF model for the channel and a
 * full-resolution image: without one it is an error when it was the only level asked for, and a
 * warning beside the levels that can still be made (a mixed batch keeps its 1600 Å level 1.5).
 */
function feasibleLevels(
  recipe: Recipe,
  observation: AiaObservation,
  image: FitsImage,
  context: BatchContext,
  warnings: string[],
): ProductLevel[] {
  if (!recipe.levels.includes('1.6')) return recipe.levels;
  try {
    context.optics.requireDeconvolvable(observation.channel, image.width, image.height);
    return recipe.levels;
  } catch (error) {
    const others = recipe.levels.filter((l) => l !== '1.6');
    if (!(error instanceof InputRejectedError) || others.length === 0) throw error;
    warnings.push(`level 1.6 not made: ${error.message}`);
    return others;
  }
}

type Timer = <T>(stage: Stage, work: () => T | Promise<T>, level?: ProductLevel) => Promise<T>;

/** register → keywords → encode → write of one level, under its temporary name. */
async function makeProduct(
  level: ProductLevel,
  data: PixelSource,
  image: FitsImage,
  header: FitsHeader,
  inputPath: string,
  recipe: Recipe,
  backend: ComputeBackend,
  timed: Timer,
  recordQa: (header: FitsHeader, listed?: Level1Samples) => void,
): Promise<{ staged: StagedFile; qa: ProductQa }> {
  const registered = await timed(
    'register',
    () =>
      registerToLevel15(
        data,
        image.width,
        image.height,
        readGeometry(header),
        {
          mode: recipe.mode,
          interpolation: recipe.interpolation,
          missing: recipe.missing,
          outputType: recipe.format === 'float64' ? 'float64' : 'float32',
        },
        backend,
      ),
    level,
  );
  await timed('statistics', () => recordQa(header, registered.level1), level);
  const stats = await timed('statistics', () => backend.statistics(registered.data), level);
  const { plan } = registered;
  writeLevel15Keywords(header, plan, stats, Number(level));
  // before encode, which byte-swaps the pixels where they lie
  const qa = await timed(
    'statistics',
    () => productQa(header, registered.data, registered.width, registered.height, stats.missingPixels),
    level,
  );
  header.addHistory(
    `aia-studio ${APP_VERSION} register: level ${level}, ${plan.mode === 'aiapy' ? 'aiapy-compatible' : 'fixed NxN'} ` +
      `frame ${plan.outputWidth}x${plan.outputHeight}, ${plan.interpolation} interpolation, ` +
      `${plan.targetScale.toFixed(4)} arcsec/px (scale factor ${plan.scaleFactor.toFixed(6)}), ` +
      `missing = ${registered.missing}, ${recipe.format} output, backend ${backend.name}`,
  );
  const product = { header, width: registered.width, height: registered.height, data: registered.data };
  // The result is not read again: float output is byte-swapped where it lies instead of copied.
  const encoded = await timed(
    'encode',
    () =>
      recipe.format === 'float32' || recipe.format === 'float64'
        ? encodeFitsInPlace(product, recipe.format, stats.wordSum)
        : encodeFits(product, { format: recipe.format }),
    level,
  );
  const target = outputPath(recipe.outputDir, inputPath, level);
  return { staged: await timed('write', () => stageFile(target, encoded), level), qa };
}

/**
 * Richardson–Lucy on the CCD grid, before register, as the PSF is defined there. The channel's
 * transfer function is made on first use (and its PSF built, on a cold cache); `report` is told each
 * step of that and each iteration.
 */
async function deconvolve(
  pixels: PixelWriter,
  image: FitsImage,
  observation: AiaObservation,
  header: FitsHeader,
  recipe: Recipe,
  context: BatchContext,
  report: (progress: StageProgress) => void,
): Promise<Float32Array | Float64Array> {
  const precision = recipe.deconvolutionPrecision;
  const step = (kind: StageProgress['step'], done: number, total: number) =>
    report({ stage: 'deconvolve', level: '1.6', step: kind, done, total });
  const otf = context.optics.transfer(
    context.backend,
    observation.channel,
    image.width,
    image.height,
    precision,
    step,
  );
  // deconvolution needs the whole image at once; in float32 when it computes in float32, and where the
  // backend reads it when it can say (64 MB less memory touched at 4096² each, where a fresh process
  // pays for every new page); after the transfer function, whose making may use the same workspace
  const n = image.width * image.height;
  const data =
    context.backend.deconvolutionImage?.(image.width, image.height, precision) ??
    (precision === 'f32' ? new Float32Array(n) : new Float64Array(n));
  pixels(data, 0, image.width);
  step('iterations', 0, recipe.iterations);
  const result = await context.backend.deconvolve(
    data,
    image.width,
    image.height,
    otf,
    recipe.iterations,
    (done, total) => step('iterations', done, total),
    data, // read first, then free for the result (no second full-size array)
  );
  header.addHistory(
    `deconvolve: Richardson-Lucy, ${recipe.iterations} iterations, ${precision === 'f32' ? 'float32' : 'float64'}, ` +
      `PSF ${context.optics.modelVersion} for ${observation.channel} A; negatives clipped, missing pixels kept missing`,
  );
  return result;
}

/**
 * aiapy's normalize_exposure: the image will be divided by EXPTIME, so it is in DN/s. Returns the
 * divisor and updates the header. checkHeaderSanity has refused an EXPTIME that is not an exposure.
 */
function normalizeExposure(header: FitsHeader): number {
  const exposure = header.number('EXPTIME')!;
  header.set('EXPTIME', 1, undefined, { isFloat: true });
  header.set('BUNIT', 'DN/s');
  header.addHistory(`normalize_exposure: divided by EXPTIME = ${exposure} s`);
  return exposure;
}
