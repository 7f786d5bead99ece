import { computed, reactive, type Ref, type ShallowRef } from 'vue';
import type { ImageLevel } from '../api/appApi.js';
import type { Limits } from '../viewer/clipLimits.js';
import { differenceLimits } from '../viewer/differenceLimits.js';
import { clipLimits, type LevelImage } from '../viewer/levelImage.js';
import type { CompareSettings } from './compareSettings.js';

/** The display limits of each level and of the difference A − B. */
export function useDisplayLimits(
  images: ShallowRef<Map<ImageLevel, LevelImage>>,
  settings: CompareSettings,
  pair: { a: ImageLevel; b: ImageLevel },
) {
  const manual = reactive<Partial<Record<ImageLevel, Limits>>>({});
  const limitsOf = (level: ImageLevel): Limits =>
    clipLimits(images.value.get(level)!, settings.value.clip, settings.value.percentiles, manual[level]);
  const difference = computed<Limits>(() => {
    const [a, b] = [images.value.get(pair.a), images.value.get(pair.b)];
    return a && b ? differenceLimits(a, b, settings.value.percentiles[1]) : { lo: -1, hi: 1 };
  });
  return { manual, limitsOf, difference: difference as Ref<Limits> };
}
