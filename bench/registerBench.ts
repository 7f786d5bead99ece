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
  for (const input of options.inputs) {
    const fileCase = { bench: 'register', case: input.name, backend: options.backend, product: 'level 1.5' };
    rows.push(
      ...(await benchFileToFile(fileCase, { file: input.file, mode: 'default', levels: '1.5' }, options)),
    );
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
