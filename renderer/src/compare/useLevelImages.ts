import { computed, ref, shallowRef, type Ref } from 'vue';
import type { AppApi, ImageLevel, Job } from '../api/appApi.js';
import { missingLevelReason } from '../viewer/levelAvailability.js';
import { levelImage, type LevelImage, type PaneLevel } from '../viewer/levelImage.js';

/** Preview first (a 4096² frame is 64 MB): the server's block means, at most this many pixels across. */
const PREVIEW_SIZE = 1024;

/**
 * The levels of one observation as the viewer holds them: a preview of each, then full resolution,
 * level by level. A level without a product, or whose file cannot be read, is `missing` with the reason
 * and the others still load. `onImage` hears of every new image (to upload it to the GPU).
 */
export function useLevelImages(
  api: AppApi,
  job: Ref<Job | undefined>,
  levels: Ref<ImageLevel[]>,
  onImage: (image: LevelImage) => void,
) {
  const images = shallowRef(new Map<PaneLevel, LevelImage>());
  const missing = ref(new Map<ImageLevel, string>());
  const loadError = ref('');
  const loading = ref(false);

  /** What is on screen, in words: previews until every level present is at full resolution. */
  const status = computed(() => {
    const shown = [...images.value.values()];
    if (!shown.length) return loading.value ? 'Loading…' : '';
    const previews = shown.filter((i) => i.binning > 1);
    if (!previews.length) return loading.value ? 'Loading…' : 'Full resolution';
    return `Preview (${previews.map((i) => `level ${i.level} 1/${i.binning}`).join(', ')}); loading full resolution…`;
  });

  function put(image: LevelImage): void {
    const next = new Map(images.value);
    next.set(image.level, image);
    images.value = next;
    onImage(image);
  }

  function markMissing(level: ImageLevel, reason: string): void {
    missing.value = new Map(missing.value).set(level, reason);
  }

  async function load(onPreviews: () => void): Promise<void> {
    const current = job.value;
    if (!current) return;
    images.value = new Map();
    missing.value = new Map();
    loadError.value = '';
    loading.value = true;
    const still = () => job.value?.id === current.id;
    const present: ImageLevel[] = [];
    for (const level of levels.value) {
      const reason = missingLevelReason(current, level);
      if (reason) markMissing(level, reason);
      else present.push(level);
    }
    const infos = await Promise.all(
      present.map((level) =>
        api.call('imageInfo', { jobId: current.id, level }).catch((error: Error) => {
          if (still()) markMissing(level, `Level ${level} could not be read: ${error.message}`);
          return undefined;
        }),
      ),
    );
    if (!still()) return;
    await Promise.all(
      present.map(async (level, i) => {
        const info = infos[i];
        if (!info) return;
        const { meta, pixels } = await api.call('imagePreview', {
          jobId: current.id,
          level,
          maxSize: PREVIEW_SIZE,
        });
        if (still()) put(levelImage(level, info, { ...meta, pixels }));
      }),
    ).catch((error: Error) => (loadError.value = error.message));
    if (!still()) return;
    onPreviews();
    for (const [i, level] of present.entries()) {
      const info = infos[i];
      if (!info) continue;
      try {
        const { meta, pixels } = await api.call('imagePixels', { jobId: current.id, level });
        if (!still()) return;
        put(levelImage(level, info, { width: meta.width, height: meta.height, binning: 1, pixels }));
      } catch (error) {
        if (still()) loadError.value = (error as Error).message;
      }
    }
    if (still()) loading.value = false;
  }

  return { images, missing, status, loadError, load };
}
