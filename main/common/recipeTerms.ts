/**
 * The words a recipe is written in, shared by the engine (which runs it), the app contract (which
 * carries it) and the renderer (which edits it). Plain values, no imports: the renderer's bundle and
 * the preload take them without pulling in any of the engine.
 */

/** 1.5 = register(update_pointing(l1)); 1.6 = register(deconvolve(update_pointing(l1))). */
export const PRODUCT_LEVELS = ['1.5', '1.6'] as const;
export type ProductLevel = (typeof PRODUCT_LEVELS)[number];

/**
 * 'default': the app's fixed N×N frame with the Sun centre at (N+1)/2.
 * 'aiapy': aiapy's register reproduced exactly (pad, rotate, unpad, crop around floor(CRPIX1)).
 */
export const REGISTER_MODES = ['default', 'aiapy'] as const;
export type RegisterMode = (typeof REGISTER_MODES)[number];

/** The resampling kernels users can choose; spline3 is aiapy's (scipy order 3) and the default. */
export const INTERPOLATIONS = ['spline3', 'cubic-conv', 'linear', 'nearest'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** The arithmetic of the compute kernels (Richardson–Lucy's, for level 1.6). */
export const PRECISIONS = ['f32', 'f64'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** The sample formats a product can be written in. */
export const PRODUCT_FORMATS = ['float32', 'float64', 'rice'] as const;
export type ProductFormat = (typeof PRODUCT_FORMATS)[number];

/** What a recipe is when nobody said otherwise (the output folder has no default). */
export const RECIPE_DEFAULTS = {
  levels: ['1.5'],
  mode: 'default',
  interpolation: 'spline3',
  normalizeExposure: false,
  format: 'float32',
  iterations: 25,
  deconvolutionPrecision: 'f32',
} as const satisfies {
  levels: readonly ProductLevel[];
  mode: RegisterMode;
  interpolation: Interpolation;
  normalizeExposure: boolean;
  format: ProductFormat;
  iterations: number;
  deconvolutionPrecision: Precision;
};
