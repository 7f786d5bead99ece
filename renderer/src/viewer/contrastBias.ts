import type { Limits } from './clipLimits.js';

/**
 * DS9's contrast/bias drag applied to display limits, from the limits at the press and the pointer's
 * travel as shares of the view (dx right, dy down): across moves the window over the values by its
 * width per view width (right: lower values reach the top colour, the image brightens), up narrows it
 * (more contrast) and down widens it, exponentially, so it never collapses or flips.
 */
export function contrastBias(start: Limits, dx: number, dy: number): Limits {
  const span = start.hi - start.lo;
  const centre = (start.lo + start.hi) / 2 - dx * span;
  const width = span * Math.exp(2 * dy);
  return { lo: centre - width / 2, hi: centre + width / 2 };
}
