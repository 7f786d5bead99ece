import { INTERPOLATIONS, type Interpolation } from '../../common/recipeTerms.js';

export { INTERPOLATIONS, type Interpolation };

export function isInterpolation(name: string): name is Interpolation {
  return (INTERPOLATIONS as readonly string[]).includes(name);
}

/** Only the cubic B-spline needs its coefficients computed from the samples first. */
export function needsPrefilter(kind: Interpolation): boolean {
  return kind === 'spline3';
}

/** The cubic interpolations: 4×4 taps around the mapped point. */
export function isCubic(kind: Interpolation): kind is 'spline3' | 'cubic-conv' {
  return kind === 'spline3' || kind === 'cubic-conv';
}
