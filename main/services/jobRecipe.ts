import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { DEFAULT_RECIPE, PRODUCT_LEVELS, type Recipe } from '../engine/pipeline/recipe.js';
import { INTERPOLATIONS, PRECISIONS, PRODUCT_FORMATS, REGISTER_MODES } from '../common/recipeTerms.js';
import {
  BACKEND_CHOICES,
  InvalidRequestError,
  type BackendChoice,
  type JobRecipe,
} from '../contract/index.js';
import { expandHome } from './homePath.js';

/**
 * Richardson–Lucy iterations a recipe may ask for: 25 is the default, a few hundred the most anyone
 * uses; beyond 1000 a typing slip would hold a lane for hours (each 4096² iteration takes ~1 s).
 */
export const MAX_ITERATIONS = 1000;

/** What is wrong with an iterations value (`name` is how the caller spells it), or undefined when fine. */
export function iterationsProblem(name: string, value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_ITERATIONS
    ? undefined
    : `${name} must be a whole number from 0 to ${MAX_ITERATIONS} (got ${String(value)})`;
}

/** A complete, checked JobRecipe from what a caller sent; paths are made absolute. */
export function normaliseRecipe(input: Partial<JobRecipe> | undefined): JobRecipe {
  const r = { ...DEFAULT_RECIPE, backend: 'auto' as BackendChoice, ...input };
  const oneOf = <T>(name: string, value: unknown, allowed: readonly T[]): T => {
    if (!allowed.includes(value as T)) {
      throw new InvalidRequestError(
        `recipe.${name} must be one of ${allowed.join(', ')} (got ${String(value)})`,
      );
    }
    return value as T;
  };
  if (typeof r.outputDir !== 'string' || r.outputDir === '') {
    throw new InvalidRequestError('recipe.outputDir (the output folder) is required');
  }
  const levels = Array.isArray(r.levels) ? [...new Set(r.levels)].sort() : [];
  if (levels.length === 0) throw new InvalidRequestError('recipe.levels must name at least one level');
  levels.forEach((l) => oneOf('levels', l, PRODUCT_LEVELS));
  const iterations = iterationsProblem('recipe.iterations', r.iterations);
  if (iterations) throw new InvalidRequestError(iterations);
  if (r.missing !== undefined && r.missing !== 'NaN' && !Number.isFinite(r.missing)) {
    throw new InvalidRequestError("recipe.missing must be a number or 'NaN'");
  }
  return {
    levels,
    mode: oneOf('mode', r.mode, REGISTER_MODES),
    interpolation: oneOf('interpolation', r.interpolation, INTERPOLATIONS),
    ...(r.missing === undefined ? {} : { missing: r.missing }),
    normalizeExposure: r.normalizeExposure === true,
    format: oneOf('format', r.format, PRODUCT_FORMATS),
    ...(r.pointingTablePath ? { pointingTablePath: resolve(expandHome(r.pointingTablePath)) } : {}),
    iterations: r.iterations,
    deconvolutionPrecision: oneOf('deconvolutionPrecision', r.deconvolutionPrecision, PRECISIONS),
    outputDir: resolve(expandHome(r.outputDir)),
    backend: oneOf('backend', r.backend, BACKEND_CHOICES),
  };
}

/** Same key ⇔ same products: the recipe's canonical JSON (keys sorted), hashed. */
export function recipeKey(recipe: JobRecipe): string {
  const canonical = JSON.stringify(recipe, Object.keys(recipe).sort());
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The engine's Recipe for a job; the pointing table is parsed by the caller (once per path). */
export function engineRecipe(recipe: JobRecipe, pointingTable: Recipe['pointingTable']): Recipe {
  return {
    levels: recipe.levels,
    mode: recipe.mode,
    interpolation: recipe.interpolation,
    missing: recipe.missing === 'NaN' ? Number.NaN : recipe.missing,
    normalizeExposure: recipe.normalizeExposure,
    format: recipe.format,
    pointingTable,
    iterations: recipe.iterations,
    deconvolutionPrecision: recipe.deconvolutionPrecision,
    outputDir: recipe.outputDir,
  };
}
