import { computed, ref, shallowRef, type Ref } from 'vue';
import type { AppApi, ImageLevel, Job } from '../api/appApi.js';
import { missingLevelReason } from '../viewer/levelAvailability.js';
import { levelImage, previewSize, type LevelImage, type PaneLevel } from '../viewer/levelImage.js';
import type { LevelPixelsWorker } from './levelPixelsWorker.js';

/** Preview first (a 4096² frame is 64 MB): the server's block means, at most this many pixels across. */
const PREVIEW_SIZE = 1024;

/**
 * The levels of one observation as the viewer shows them: a preview of each, then full resolution,
 * each as soon as it is on the GPU. Pixels are fetched, decoded and sampled for the statistics in the
 * pixel worker (`worker`, shared with the file pane) and handed to `show`, which uploads them and
 * resolves true once they are drawn; only then does `images` (what every label, readout and scale
 * reads) hold them, so the labels say what is on screen. A preview that needed no binning (a level at
 * most PREVIEW_SIZE across) is the full image: it is not fetched again. A level without a product, or
 * whose file cannot be read, is `missing` with the reason and the others still load.
 */
export function useLevelImages(
  api: AppApi,
  worker: LevelPixelsWorker,
  job: Ref<Job | undefined>,
  levels: Ref<ImageLevel[]>,
  show: (image: LevelImage, wanted: () => boolean) => Promise<boolean>,
) {
  const images = shallowRef(new Map<PaneLevel, LevelImage>());
  const missing = ref(new Map<ImageLevel, string>());
  const loadError = ref('');
  const loading = ref(false);
  /** The levels being loaded that can be read: until each is drawn, the shared scale may still move. */
  const expected = ref<ImageLevel[]>([]);

  /**
   * What is on screen, in words: 'Full resolution' only once every readable level is drawn at full
   * resolution (the shared scale pools them all, so only then is it final).
   */
  const status = computed(() => {
    const shown = [...images.value.values()];
    if (!shown.length) return loading.value ? 'Loading…' : '';
    const previews = shown.filter((i) => i.binning > 1);
    const waiting = loadingLevels.value.length;
    const of = `of ${shown.length + waiting} levels`;
    if (previews.length)
      return `Preview ${previewSize(previews[0])}: ${previews.length} ${of}; loading full resolution…`;
    if (waiting) return `Full resolution: ${shown.length} ${of}; loading the others…`;
    return 'Full resolution';
  });

  function put(image: LevelImage): void {
    const next = new Map(images.value);
    next.set(image.level, image);
    images.value = next;
  }

  function markMissing(level: ImageLevel, reason: string): void {
    missing.value = new Map(missing.value).set(level, reason);
  }

  async function load(onPreviews: () => void): Promise<void> {
    const current = job.value;
    if (!current) return;
    images.value = new Map();
    missing.value = new Map();
    expected.value = [];
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
    const readable = present.flatMap((level, i) => (infos[i] ? [{ level, info: infos[i] }] : []));
    expected.value = readable.map((r) => r.level);
    const shown = async (image: Promise<LevelImage>) => {
      const ready = await image;
      if (still() && (await show(ready, still)) && still()) put(ready);
    };
    await Promise.all(
      readable.map(({ level, info }) =>
        shown(
          worker
            .pixels('imagePreview', { jobId: current.id, level, maxSize: PREVIEW_SIZE })
            .then(({ meta, pixels, sorted }) => levelImage(level, info, { ...meta, pixels }, sorted)),
        ),
      ),
    ).catch((error: Error) => still() && (loadError.value = error.message));
    if (!still()) return;
    onPreviews();
    // Every binned level's full resolution asked for at once (the next one arrives while this one goes up).
    const binned = readable.filter(({ level }) => images.value.get(level)?.binning !== 1);
    await Promise.all(
      binned.map(({ level, info }) =>
        shown(
          worker
            .pixels('imagePixels', { jobId: current.id, level })
            .then(({ meta, pixels, sorted }) =>
              levelImage(level, info, { width: meta.width, height: meta.height, binning: 1, pixels }, sorted),
            ),
        ).catch((error: Error) => still() && (loadError.value = error.message)),
      ),
    );
    if (!still()) return;
    loading.value = false;
    // A level that could not be drawn has its error on screen: the status speaks of those drawn.
    expected.value = [...images.value.keys()].filter((l): l is ImageLevel => l !== 'file');
  }

  /** Readable levels not drawn yet: their panes say they are loading. */
  const loadingLevels = computed(() => expected.value.filter((l) => !images.value.has(l)));

  return { images, missing, loadingLevels, status, loadError, load };
}
