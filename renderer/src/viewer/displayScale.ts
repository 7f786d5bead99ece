import { percentileLimits, zscaleLimits, type Limits } from './clipLimits.js';
import type { PaneLevel } from './levelImage.js';

export type ScaleMethod = 'percentile' | 'zscale';

/** What the scale needs of a level: its unit and a sorted sample of its finite, non-fill pixels. */
export interface ScaledLevel {
  level: PaneLevel;
  unit: string;
  sorted: Float32Array;
}

/**
 * The scale of one observation. By default every pane shares one scale (locked) so equal values look
 * equal across levels; a pane can be unlocked to get its own. Only panes of the same unit share: DN and
 * DN/s on one scale would mislead. Limits typed or dragged by hand replace the automatic ones of the
 * shared scale (or of the unlocked pane) until the observation changes.
 */
export interface ObservationScale {
  unlocked: PaneLevel[];
  /** Hand-set limits of a shared scale, by unit. */
  shared: Record<string, Limits>;
  /** Hand-set limits of unlocked panes. */
  own: Partial<Record<PaneLevel, Limits>>;
}

export function freshScale(): ObservationScale {
  return { unlocked: [], shared: {}, own: {} };
}

/** The levels whose pixels decide a level's limits: itself when unlocked, else every locked level of its unit. */
export function scaleGroup(
  scale: ObservationScale,
  levels: readonly ScaledLevel[],
  level: PaneLevel,
): ScaledLevel[] {
  const self = levels.find((l) => l.level === level);
  if (!self) return [];
  if (scale.unlocked.includes(level)) return [self];
  return levels.filter((l) => l.unit === self.unit && !scale.unlocked.includes(l.level));
}

export function displayLimits(
  scale: ObservationScale,
  levels: readonly ScaledLevel[],
  level: PaneLevel,
  method: ScaleMethod,
  percentiles: readonly [number, number],
): Limits {
  const group = scaleGroup(scale, levels, level);
  const self = group.find((l) => l.level === level);
  if (!self) return { lo: Number.NaN, hi: Number.NaN };
  const typed = scale.unlocked.includes(level) ? scale.own[level] : scale.shared[self.unit];
  if (typed) return typed;
  const pooled = pooledSample(group.map((l) => l.sorted));
  return method === 'zscale'
    ? zscaleLimits(pooled)
    : percentileLimits(pooled, percentiles[0], percentiles[1]);
}

/** Sets hand-made limits where `level`'s scale lives: the shared scale of its unit, or its own. */
export function withLimits(
  scale: ObservationScale,
  levels: readonly ScaledLevel[],
  level: PaneLevel,
  limits: Limits,
): ObservationScale {
  if (scale.unlocked.includes(level)) return { ...scale, own: { ...scale.own, [level]: limits } };
  const unit = levels.find((l) => l.level === level)?.unit;
  return unit === undefined ? scale : { ...scale, shared: { ...scale.shared, [unit]: limits } };
}

/**
 * One sorted sample from several sorted samples, each level weighted equally: every level contributes
 * the same number of values, taken at even ranks (its quantiles), sorted together by the typed
 * array's own sort (native code: a merge loop written here ran about twice as long on the page each
 * time an image arrived). Every locked level of a scale asks for the same pool: the last one is kept.
 */
export function pooledSample(samples: readonly Float32Array[], perLevel = 1 << 14): Float32Array {
  const live = samples.filter((s) => s.length > 0);
  if (live.length === 1) return live[0];
  const same = lastPool?.perLevel === perLevel && lastPool.samples.length === live.length;
  if (same && live.every((s, i) => s === lastPool!.samples[i])) return lastPool!.pooled;
  const pooled = new Float32Array(live.length * perLevel);
  live.forEach((s, k) => {
    const step = s.length / perLevel;
    for (let i = 0; i < perLevel; i++)
      pooled[k * perLevel + i] = s[Math.min(s.length - 1, Math.floor(i * step))];
  });
  pooled.sort();
  lastPool = { samples: live, perLevel, pooled };
  return pooled;
}

let lastPool: { samples: Float32Array[]; perLevel: number; pooled: Float32Array } | undefined;
