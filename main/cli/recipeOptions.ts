import { DEFAULT_RECIPE, PRODUCT_LEVELS, type ProductLevel } from '../engine/pipeline/recipe.js';
import { isInterpolation } from '../engine/register/interpolation.js';
import { BACKEND_CHOICES, type BackendChoice, type JobRecipe } from '../contract/index.js';
import { iterationsProblem } from '../services/jobRecipe.js';
import { UsageError } from './usage.js';

const FORMATS = ['float32', 'float64', 'rice'] as const;

/** The options that make a recipe, shared by `process` and `watch`. */
export const RECIPE_OPTIONS = {
  level: { type: 'string' },
  out: { type: 'string' },
  compat: { type: 'string' },
  interp: { type: 'string', default: DEFAULT_RECIPE.interpolation },
  'pointing-table': { type: 'string' },
  'normalize-exposure': { type: 'boolean', default: false },
  format: { type: 'string', default: DEFAULT_RECIPE.format },
  missing: { type: 'string' },
  threads: { type: 'string' },
  'in-flight': { type: 'string' },
  recursive: { type: 'boolean', default: false },
  iterations: { type: 'string', default: String(DEFAULT_RECIPE.iterations) },
  'rl-precision': { type: 'string', default: DEFAULT_RECIPE.deconvolutionPrecision },
  'cache-dir': { type: 'string' },
  backend: { type: 'string', default: 'auto' },
} as const;

export interface RecipeOptionValues {
  level?: string;
  out?: string;
  compat?: string;
  interp?: string;
  'pointing-table'?: string;
  'normalize-exposure'?: boolean;
  format?: string;
  missing?: string;
  iterations?: string;
  'rl-precision'?: string;
  backend?: string;
}

/** The recipe the options describe, or a UsageError saying which option is wrong. */
export function recipeFromOptions(values: RecipeOptionValues): JobRecipe {
  const levels = parseLevels(values.level);
  const iterations = Number(values.iterations);
  const problem = iterationsProblem('--iterations', iterations);
  if (problem) throw new UsageError(problem);
  const precision = values['rl-precision'];
  if (precision !== 'f32' && precision !== 'f64') throw new UsageError('--rl-precision must be f32 or f64');
  if (!values.out) throw new UsageError('--out DIR is required');
  if (values.compat !== undefined && values.compat !== 'aiapy') {
    throw new UsageError(`--compat takes only 'aiapy' (got '${values.compat}')`);
  }
  if (!isInterpolation(values.interp!)) throw new UsageError(`unknown --interp '${values.interp}'`);
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const missing = values.missing === undefined ? undefined : Number(values.missing);
  if (missing !== undefined && values.missing !== 'NaN' && Number.isNaN(missing)) {
    throw new UsageError(`--missing must be a number or NaN (got '${values.missing}')`);
  }
  return {
    levels,
    iterations,
    deconvolutionPrecision: precision,
    mode: values.compat === 'aiapy' ? 'aiapy' : 'default',
    interpolation: values.interp,
    ...(missing === undefined ? {} : { missing: Number.isNaN(missing) ? 'NaN' : missing }),
    normalizeExposure: values['normalize-exposure'] === true,
    format,
    ...(values['pointing-table'] ? { pointingTablePath: values['pointing-table'] } : {}),
    outputDir: values.out,
    backend: parseBackend(values.backend),
  };
}

/** --backend auto|cpu|gpu: where the numbers are computed (auto falls back to the CPU and says why). */
export function parseBackend(text: string | undefined): BackendChoice {
  const choice = (text ?? 'auto') as BackendChoice;
  if (!BACKEND_CHOICES.includes(choice)) throw new UsageError('--backend must be auto, cpu or gpu');
  return choice;
}

/** --threads N: cores to use (default: one per core). */
export function parseThreads(text: string | undefined): number | undefined {
  return parseCount('--threads', text);
}

/** --in-flight N: images in flight per backend (default: the backend's own, openBackendLanes). */
export function parseImagesInFlight(text: string | undefined): number | undefined {
  const count = parseCount('--in-flight', text);
  if (count === 0) throw new UsageError('--in-flight must be at least 1');
  return count;
}

/** An option that takes a whole number ≥ 0; undefined when not given. */
export function parseCount(option: string, text: string | undefined): number | undefined {
  const count = text === undefined ? undefined : Number(text);
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
    throw new UsageError(`${option} must be a whole number ≥ 0`);
  }
  return count;
}

/** --level 1.5 | 1.6 | 1.5,1.6: the products to make from one read of each file. */
function parseLevels(text: string | undefined): ProductLevel[] {
  const levels = (text ?? '').split(',').filter((l) => l !== '');
  const unknown = levels.filter((l) => !(PRODUCT_LEVELS as readonly string[]).includes(l));
  if (levels.length === 0 || unknown.length > 0) {
    throw new UsageError(`--level takes 1.5, 1.6 or 1.5,1.6 (got '${text ?? ''}')`);
  }
  return [...new Set(levels)] as ProductLevel[];
}
