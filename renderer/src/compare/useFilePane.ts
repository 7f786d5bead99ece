import { computed, ref, shallowRef } from 'vue';
import type { AppApi } from '../api/appApi.js';
import { worldGridProblem } from '../viewer/helioWcs.js';
import { levelImage, type LevelImage } from '../viewer/levelImage.js';
import type { LevelPixelsWorker } from './levelPixelsWorker.js';

/** As the levels' preview: the server's block means, at most this many pixels across. */
const PREVIEW_SIZE = 1024;

/**
 * A FITS file on disk opened as one more pane beside the job's levels (pane 'file'), e.g. aiapy's
 * own level 1.5 for an A/B check: its header, a preview, then full resolution. The services serve
 * only the files their file browser lists. A file whose WCS is not helioprojective is shown on its
 * own grid with the reason (`unaligned`) and is offered for no difference or swipe. Its pixels are
 * fetched and sampled in the pixel worker, as the levels' are: a 4096² file holds the page no longer.
 */
export function useFilePane(
  api: AppApi,
  worker: LevelPixelsWorker,
  onImage: (image: LevelImage, wanted: () => boolean) => Promise<boolean>,
) {
  const path = ref<string>();
  const image = shallowRef<LevelImage>();
  const error = ref('');
  const unaligned = computed(() => {
    const problem = image.value && worldGridProblem(image.value.info.header);
    return problem && `Not aligned with the levels: ${problem}.`;
  });
  let opened = 0;

  /** The image joins the pane once its texture is up, and only while it is still the file asked for. */
  async function show(next: LevelImage, still: () => boolean): Promise<void> {
    if ((await onImage(next, still)) && still()) image.value = next;
  }

  async function open(file: string): Promise<void> {
    const request = ++opened;
    const still = () => request === opened;
    path.value = file;
    image.value = undefined;
    error.value = '';
    try {
      const info = await api.call('imageInfo', { path: file });
      if (!still()) return;
      const preview = await worker.pixels('imagePreview', { path: file, maxSize: PREVIEW_SIZE });
      if (!still()) return;
      await show(
        levelImage('file', info, { ...preview.meta, pixels: preview.pixels }, preview.sorted),
        still,
      );
      if (preview.meta.binning === 1) return;
      const { meta, pixels, sorted } = await worker.pixels('imagePixels', { path: file });
      if (still())
        await show(
          levelImage('file', info, { width: meta.width, height: meta.height, binning: 1, pixels }, sorted),
          still,
        );
    } catch (failure) {
      if (still()) error.value = `${file} could not be opened: ${(failure as Error).message}`;
    }
  }

  function close(): void {
    opened++;
    path.value = undefined;
    image.value = undefined;
    error.value = '';
  }

  return { path, image, error, unaligned, open, close };
}
export type FilePane = ReturnType<typeof useFilePane>;
