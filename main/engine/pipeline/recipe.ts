import { PRODUCT_LEVELS, RECIPE_DEFAULTS, type ProductLevel } from '../../common/recipeTerms.js';
import type { MasterPointingTable } from '../aia/pointing.js';
import type { Precision } from '../fft/engine.js';
import type { OutputFormat } from '../fits/index.js';
import type { Interpolation } from '../register/interpolation.js';
import type { RegisterMode } from '../register/registrationPlan.js';

export { PRODUCT_LEVELS, type ProductLevel };

/** What to make of each input file. */
export interface Recipe {
  levels: ProductLevel[];
  mode: RegisterMode;
  interpolation: Interpolation;
  /** Value for pixels with no data (default NaN; the data minimum in aiapy mode). */
  missing?: number;
  normalizeExposure: boolean;
  format: Exclude<OutputFormat, 'int16'>;
  pointingTable?: MasterPointingTable;
  /** Richardson–Lucy iterations and arithmetic for level 1.6. */
  iterations: number;
  deconvolutionPrecision: Precision;
  outputDir: string;
}

export const DEFAULT_RECIPE: Omit<Recipe, 'outputDir'> = {
  ...RECIPE_DEFAULTS,
  levels: [...RECIPE_DEFAULTS.levels],
};
