import { RECIPE_DEFAULTS } from '../../../main/common/recipeTerms.js';
import type { JobRecipe } from '../api/appApi.js';
import { persisted } from './persisted.js';

/** The batch form's defaults: the engine's own (main/common), no output folder yet, the fastest backend. */
export const DEFAULT_BATCH_RECIPE: JobRecipe = {
  ...RECIPE_DEFAULTS,
  levels: [...RECIPE_DEFAULTS.levels],
  outputDir: '',
  backend: 'auto',
};

export const useRecipeSettings = () => persisted('recipe', DEFAULT_BATCH_RECIPE);
