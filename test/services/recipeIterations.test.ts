import { describe, expect, it } from 'vitest';
import { recipeFromOptions } from '../../main/cli/recipeOptions.js';
import { MAX_ITERATIONS, normaliseRecipe } from '../../main/services/jobRecipe.js';

describe('recipe.iterations is bounded where recipes are checked', () => {
  it('the services take 0 to 1000 and refuse more, fractions and negatives', () => {
    expect(MAX_ITERATIONS).toBe(1000);
    for (const iterations of [0, 25, 1000]) {
      expect(normaliseRecipe({ outputDir: '/tmp/out', iterations }).iterations).toBe(iterations);
    }
    for (const iterations of [1001, 1e9, -1, 2.5, Number.NaN]) {
      expect(() => normaliseRecipe({ outputDir: '/tmp/out', iterations })).toThrow(
        `recipe.iterations must be a whole number from 0 to 1000 (got ${iterations})`,
      );
    }
  });

  it('the command line says the same of --iterations', () => {
    const options = {
      level: '1.6',
      out: '/tmp/out',
      interp: 'spline3',
      format: 'float32',
      'rl-precision': 'f32',
    };
    expect(recipeFromOptions({ ...options, iterations: '1000' }).iterations).toBe(1000);
    expect(() => recipeFromOptions({ ...options, iterations: '100000' })).toThrow(
      '--iterations must be a whole number from 0 to 1000 (got 100000)',
    );
  });
});
