import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGeometry } from '../main/engine/aia/wcs.js';
import { readFitsImageFile } from '../main/engine/fits/index.js';
import { physicalPixels } from '../main/engine/pipeline/physicalPixels.js';
import type { ComputeBackend } from '../main/engine/compute/computeBackend.js';
import type { FitsImage } from '../main/engine/fits/index.js';
import type { RegisterMode } from '../main/engine/register/registrationPlan.js';
import { registerToLevel15, type PixelWriter } from '../main/engine/register/registerToLevel15.js';
import { AIAPY_REFERENCE } from './aiapyReference.js';
import { createBackend } from './backends.js';
import { benchFrames, median, oracleSeconds, type BenchOptions, type BenchRow } from './benchSupport.js';
import { benchFileToFile } from './fileRuns.js';
import { withSaturatedCore } from './stressedFrames.js';

/**
 * register compute (both modes, from the decoded image as the pipeline has it) on every 4096² frame (the
 * small real files in a smoke run),
 * then level 1.5 file-to-file with its peak RSS and stage breakdown on every input of the dataset
 * (the small real files included).
 */
export async function benchRegister(options: BenchOptions): Promise<BenchRow[]> {
  const { repeat, withOracle } = options;
  const rows: BenchRow[] = [];
  const backend = createBackend(options.backend);
  try {
    for (const input of benchFrames(options)) {
      const image = await readFitsImageFile(input.file);
      const geometry = readGeometry(image.header);
      const oracle = withOracle ? await oracleSeconds(['lev15', input.file]) : undefined;
      for (const mode of ['default', 'aiapy'] as const) {
        const times: number[] = [];
        for (let i = 0; i <= repeat; i++) {
          const data = decodedAsThePipelineHasIt(image, mode, backend);
          const start = performance.now();
          const registerOptions = { mode, interpolation: 'spline3', outputType: 'float32' } as const;
          await registerToLevel15(data, image.width, image.height, geometry, registerOptions, backend);
          if (i > 0) times.push((performance.now() - start) / 1000); // run 0 warms the JIT
        }
        rows.push({
          bench: 'register',
          case: input.name,
          backend: options.backend,
          metric: `compute s (${mode} mode)`,
          unit: 's',
          ours: median(times),
          oracle: mode === 'aiapy' ? oracle : undefined,
          aiapy: AIAPY_REFERENCE.registerSeconds,
        });
      }
    }
  } finally {
    await backend.dispose();
  }
  const fileCase = (name: string) => ({
    bench: 'register',
    case: name,
    backend: options.backend,
    product: 'level 1.5',
  });
  for (const input of options.inputs) {
    rows.push(
      ...(await benchFileToFile(
        fileCase(input.name),
        { file: input.file, mode: 'default', levels: '1.5' },
        options,
      )),
    );
  }
  // A flare's saturated core: the layout's lists at their fullest (no target: the frames above set them)
  const frame = options.smoke ? undefined : benchFrames(options).find((i) => /_171a_/.test(i.name));
  if (frame) {
    const scratch = await mkdtemp(join(tmpdir(), 'aia-bench-flare-'));
    try {
      const flare = {
        file: await withSaturatedCore(frame.file, scratch),
        mode: 'default',
        levels: '1.5',
      } as const;
      rows.push(...(await benchFileToFile(fileCase('171 Å with a saturated flare core'), flare, options)));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return rows;
}

/**
 * The decoded image as the pipeline hands it to register: int16 samples and their scaling, in
 * default mode decoded straight into the backend's workspace where it stages them (processFile's
 * stagedPixels; a 4096² frame then has no 32 MB copy on the calling thread), here copied there
 * before the clock starts.
 */
function decodedAsThePipelineHasIt(
  image: FitsImage,
  mode: RegisterMode,
  backend: ComputeBackend,
): PixelWriter {
  const { raw } = image;
  if (mode !== 'default' || !(raw instanceof Int16Array) || !backend.stageSamples)
    return physicalPixels(image, mode, 1);
  const staged = backend.stageSamples(raw.length);
  staged.set(raw);
  backend.endStaging?.();
  return physicalPixels({ ...image, raw: staged }, mode, 1);
}
