import { ref } from 'vue';
import type { AppApi, ImageRef } from '../api/appApi.js';
import { cutoutRegion } from '../viewer/cutoutRegion.js';
import type { LevelImage } from '../viewer/levelImage.js';

/**
 * FITS cut-outs of the region box, of any pane's image on its own full-resolution grid: written by
 * the services into the output folder (desktop), or downloaded (web mode, whose browser may be on
 * another computer than the files). `message` says what was done, or why not.
 */
export function useCutout(api: AppApi, desktop: boolean) {
  const message = ref('');

  async function cutout(
    ref: ImageRef,
    image: LevelImage,
    box: [[number, number], [number, number]],
  ): Promise<void> {
    const region = cutoutRegion(image.info, box[0], box[1]);
    if (!region) {
      message.value = 'The box does not cover this image.';
      return;
    }
    const size = `${region.width}×${region.height} px`;
    try {
      if (desktop) {
        const written = await api.call('writeCutout', { ...ref, region });
        message.value = `Cut-out (${size}) written: ${written.path}`;
        return;
      }
      const { meta, pixels } = await api.call('fitsCutout', { ...ref, region });
      // A browser's reply buffer is a plain ArrayBuffer (never shared).
      const bytes = new Uint8Array(pixels.buffer as ArrayBuffer, pixels.byteOffset, pixels.byteLength);
      const link = document.createElement('a');
      link.download = meta.name;
      link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/fits' }));
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      message.value = `Cut-out (${size}) downloaded as ${meta.name}`;
    } catch (failure) {
      message.value = `Cut-out failed: ${(failure as Error).message}`;
    }
  }

  return { message, cutout };
}
