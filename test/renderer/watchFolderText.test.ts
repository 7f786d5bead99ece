import { describe, expect, it } from 'vitest';
import { RECIPE_DEFAULTS } from '../../main/common/recipeTerms.js';
import type { JobRecipe } from '../../main/contract/index.js';
import { recipeSummary, timeAgo } from '../../renderer/src/viewer/watchFolderText.js';

const recipe = (changes: Partial<JobRecipe> = {}): JobRecipe => ({
  ...RECIPE_DEFAULTS,
  levels: ['1.5'],
  outputDir: '/data/out',
  backend: 'auto',
  ...changes,
});

describe("a watch folder's row in words", () => {
  it('names the levels and backend, and only the settings that differ from the defaults', () => {
    expect(recipeSummary(recipe())).toBe('level 1.5 · auto backend');
    expect(recipeSummary(recipe({ levels: ['1.5', '1.6'], backend: 'gpu' }))).toBe(
      'level 1.5 + 1.6 · gpu backend',
    );
    expect(
      recipeSummary(
        recipe({
          levels: ['1.6'],
          iterations: 50,
          deconvolutionPrecision: 'f64',
          mode: 'aiapy',
          interpolation: 'linear',
          normalizeExposure: true,
          missing: 0,
          format: 'rice',
          pointingTablePath: '/data/pointing.csv',
          backend: 'cpu',
        }),
      ),
    ).toBe(
      'level 1.6 · RL 50 it. f64 · as aiapy · bilinear · DN/s · missing = 0 · RICE_1 · pointing table · cpu backend',
    );
    // Richardson–Lucy settings mean nothing without level 1.6.
    expect(recipeSummary(recipe({ iterations: 50 }))).toBe('level 1.5 · auto backend');
  });

  it('says how long ago the last activity was', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    const ago = (seconds: number) => timeAgo(new Date(now - seconds * 1000).toISOString(), now);
    expect(timeAgo(undefined, now)).toBe('never');
    expect(ago(3)).toBe('just now');
    expect(ago(42)).toBe('42 s ago');
    expect(ago(5 * 60 + 59)).toBe('5 min ago');
    expect(ago(3 * 3600)).toBe('3 h ago');
    expect(ago(2 * 86_400 + 5)).toBe('2 d ago');
    // A clock a little behind the server's reads as now, not as the future.
    expect(ago(-30)).toBe('just now');
  });
});
