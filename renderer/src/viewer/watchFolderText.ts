import { RECIPE_DEFAULTS } from '../../../main/common/recipeTerms.js';
import type { JobRecipe } from '../api/appApi.js';

const INTERPOLATION_NAMES: Record<JobRecipe['interpolation'], string> = {
  spline3: 'cubic B-spline',
  'cubic-conv': 'cubic convolution',
  linear: 'bilinear',
  nearest: 'nearest',
};

/**
 * A watch folder's recipe in one line: the levels, then only what differs from the defaults (the
 * level 1.6 settings when it makes level 1.6), then the backend.
 */
export function recipeSummary(recipe: JobRecipe): string {
  const d = RECIPE_DEFAULTS;
  const deconvolves = recipe.levels.includes('1.6');
  return [
    `level ${recipe.levels.join(' + ')}`,
    deconvolves &&
      (recipe.iterations !== d.iterations || recipe.deconvolutionPrecision !== d.deconvolutionPrecision) &&
      `RL ${recipe.iterations} it. ${recipe.deconvolutionPrecision}`,
    recipe.mode === 'aiapy' && 'as aiapy',
    recipe.interpolation !== d.interpolation && INTERPOLATION_NAMES[recipe.interpolation],
    recipe.normalizeExposure && 'DN/s',
    recipe.missing !== undefined && `missing = ${recipe.missing}`,
    recipe.format !== d.format && (recipe.format === 'rice' ? 'RICE_1' : recipe.format),
    recipe.pointingTablePath && 'pointing table',
    `${recipe.backend} backend`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** How long ago an ISO time was, in words ("just now", "4 min ago", "3 h ago", "2 d ago"). */
export function timeAgo(iso: string | undefined, now: number): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return 'never';
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
