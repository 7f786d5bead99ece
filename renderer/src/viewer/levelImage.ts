import type { ImageInfo, ImageLevel } from '../api/appApi.js';
import { sortedSample } from './clipLimits.js';
import { binnedWcs, wcsFromHeader, worldToPixelAffine } from './helioWcs.js';
import type { ImageData32 } from './imageSampling.js';
import { observationLabel, type ObservationLabel } from './observationLabel.js';

/** What a pane can show: a level of the job, or a FITS file the user opened beside them. */
export type PaneLevel = ImageLevel | 'file';

/**
 * One processing level of the observation (or the opened file) as the viewer holds it: pixels, WCS and a sorted sample of
 * its finite pixels (clipLimits.sortedSample, made in the pixel worker).
 */
export interface LevelImage extends ImageData32 {
  level: PaneLevel;
  info: ImageInfo;
  label: ObservationLabel;
  /** Pixels of the file per pixel here: > 1 for the server's block-mean preview. */
  binning: number;
  sorted: Float32Array;
  affine: number[];
}

export function levelImage(
  level: PaneLevel,
  info: ImageInfo,
  block: LevelPixels,
  /** Made in the pixel worker when it is there; else here, on the page's thread. */
  sorted: Float32Array = sortedSample(block.pixels),
): LevelImage {
  const wcs = binnedWcs(wcsFromHeader(info.header), block.binning);
  return {
    level,
    info,
    label: observationLabel(info.header),
    width: block.width,
    height: block.height,
    binning: block.binning,
    data: block.pixels,
    wcs,
    sorted,
    affine: worldToPixelAffine(wcs),
  };
}

export interface LevelPixels {
  width: number;
  height: number;
  binning: number;
  pixels: Float32Array;
}

/** What the pane shows, in words: "full resolution", or "preview 1024² (binned 4×)". */
export function resolutionLabel(image: Pick<LevelImage, 'width' | 'height' | 'binning'>): string {
  return image.binning === 1 ? 'full resolution' : `preview ${previewSize(image)}`;
}

/** A preview's size and binning: "1024² (binned 4×)". */
export function previewSize({
  width,
  height,
  binning,
}: Pick<LevelImage, 'width' | 'height' | 'binning'>): string {
  return `${width === height ? `${width}²` : `${width}×${height}`} (binned ${binning}×)`;
}
