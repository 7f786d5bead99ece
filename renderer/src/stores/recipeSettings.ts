import type { JobRecipe } from '../api/appApi.js';
import { DEFAULT_RECIPE } from '../../../main/engine/pipeline/recipe.js';
import { persisted } from './persisted.js';

/**
 * The batch form's defaults: the engine's own (recipe.ts has no run-time imports, so the bundle takes
 * only those values), no output folder yet, the fastest backend.
 */
export const DEFAULT_BATCH_RECIPE: JobRecipe = {
  ...DEFAULT_RECIPE,
  levels: [...DEFAULT_RECIPE.levels],
  outputDir: '',
  backend: 'auto',
};

export const useRecipeSettings = () => persisted('recipe', DEFAULT_BATCH_RECIPE);
