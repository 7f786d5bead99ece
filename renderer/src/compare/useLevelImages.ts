import { ref, shallowRef, type Ref } from 'vue';
import type { AppApi, ImageLevel } from '../api/appApi.js';
import { levelImage, type LevelImage } from '../viewer/levelImage.js';

/** Preview first (a 4096² frame is 64 MB): the server's block means, at most this many pixels across. */
const PREVIEW_SIZE = 1024;

/**
 * The levels of one observation as the viewer holds them: a preview of each, then full resolution,
 * level by level. `onImage` hears of every new image (to upload it to the GPU).
 */
export function useLevelImages(
  api: AppApi,
  jobId: Ref<string | undefined>,
  levels: Ref<ImageLevel[]>,
  onImage: (image: LevelImage) => void,
) {
  const images = shallowRef(new Map<ImageLevel, LevelImage>());
  const status = ref('');
  const loadError = ref('');

  function put(image: LevelImage): void {
    const next = new Map(images.value);
    next.set(image.level, image);
    images.value = next;
    onImage(image);
  }

  async function load(id: string, onPreviews: () => void): Promise<void> {
    images.value = new Map();
    loadError.value = '';
    const wanted = levels.value;
    try {
      const infos = await Promise.all(wanted.map((level) => api.call('imageInfo', { jobId: id, level })));
      status.value = 'Loading previews…';
      await Promise.all(
        wanted.map(async (level, i) => {
          const { meta, pixels } = await api.call('imagePreview', {
            jobId: id,
            level,
            maxSize: PREVIEW_SIZE,
          });
          if (jobId.value === id) put(levelImage(level, infos[i], { ...meta, pixels }));
        }),
      );
      onPreviews();
      status.value = 'Loading full resolution…';
      for (const [i, level] of wanted.entries()) {
        const { meta, pixels } = await api.call('imagePixels', { jobId: id, level });
        if (jobId.value !== id) return;
        put(levelImage(level, infos[i], { width: meta.width, height: meta.height, binning: 1, pixels }));
      }
      status.value = 'Full resolution';
    } catch (error) {
      loadError.value = (error as Error).message;
      status.value = '';
    }
  }

  return { images, status, loadError, load };
}
