import { computed, ref, type Ref, type ShallowRef } from 'vue';
import type { Limits } from '../viewer/clipLimits.js';
import { differenceLimits } from '../viewer/differenceLimits.js';
import {
  displayLimits,
  freshScale,
  scaleGroup,
  withLimits,
  type ObservationScale,
  type ScaledLevel,
} from '../viewer/displayScale.js';
import type { LevelImage, PaneLevel } from '../viewer/levelImage.js';
import { LEVEL_NAMES, type CompareSettings } from './compareSettings.js';

/** Panes in their order on screen, whatever order their pixels arrived in (captions list them so). */
const PANE_ORDER = Object.keys(LEVEL_NAMES);

/**
 * The display limits of each level (one locked scale per unit by default) and of the difference A − B
 * (its own, symmetric about zero unless typed). The hand-made part belongs to the observation: `reset`
 * on switching, so a clip set on one file never lands on the next.
 */
export function useDisplayLimits(
  images: ShallowRef<Map<PaneLevel, LevelImage>>,
  settings: CompareSettings,
  pair: { a: PaneLevel; b: PaneLevel },
) {
  const scale = ref<ObservationScale>(freshScale());
  const typedDifference = ref<Limits>();
  const scaled = computed<ScaledLevel[]>(() =>
    [...images.value.values()]
      .map((i) => ({ level: i.level, unit: i.label.unit, sorted: i.sorted }))
      .sort((a, b) => PANE_ORDER.indexOf(a.level) - PANE_ORDER.indexOf(b.level)),
  );
  const all = computed(() => {
    const out = new Map<PaneLevel, Limits>();
    const method = settings.value.clip === 'zscale' ? 'zscale' : 'percentile';
    // The levels of one scale group share their limits: worked out once a group, not once a level
    // (each pools the group's samples).
    const byGroup = new Map<string, Limits>();
    for (const { level } of scaled.value) {
      const group = scaleGroup(scale.value, scaled.value, level)
        .map((l) => l.level)
        .join('|');
      let limits = byGroup.get(group);
      if (!limits) {
        limits = displayLimits(scale.value, scaled.value, level, method, settings.value.percentiles);
        byGroup.set(group, limits);
      }
      out.set(level, limits);
    }
    return out;
  });
  const limitsOf = (level: PaneLevel): Limits => all.value.get(level) ?? { lo: Number.NaN, hi: Number.NaN };
  const automaticDifference = computed<Limits>(() => {
    const [a, b] = [images.value.get(pair.a), images.value.get(pair.b)];
    return a && b ? differenceLimits(a, b, settings.value.percentiles[1]) : { lo: -1, hi: 1 };
  });
  const difference = computed(() => typedDifference.value ?? automaticDifference.value);

  return {
    limitsOf,
    difference: difference as Ref<Limits>,
    /** The levels that share `level`'s scale (itself only when unlocked). */
    sharing: (level: PaneLevel) => scaleGroup(scale.value, scaled.value, level).map((l) => l.level),
    isLocked: (level: PaneLevel) => !scale.value.unlocked.includes(level),
    toggleLock(level: PaneLevel): void {
      const unlocked = scale.value.unlocked;
      scale.value = {
        ...scale.value,
        unlocked: unlocked.includes(level) ? unlocked.filter((l) => l !== level) : [...unlocked, level],
      };
    },
    setLimits(level: PaneLevel | 'difference', limits: Limits): void {
      if (level === 'difference') typedDifference.value = limits;
      else scale.value = withLimits(scale.value, scaled.value, level, limits);
    },
    /** Back to automatic limits for `level`'s scale. */
    automatic(level: PaneLevel | 'difference'): void {
      if (level === 'difference') typedDifference.value = undefined;
      else {
        const unit = images.value.get(level)?.label.unit ?? '';
        const shared = { ...scale.value.shared };
        const own = { ...scale.value.own };
        delete shared[unit];
        delete own[level];
        scale.value = { ...scale.value, shared, own };
      }
    },
    reset(): void {
      scale.value = freshScale();
      typedDifference.value = undefined;
    },
  };
}
