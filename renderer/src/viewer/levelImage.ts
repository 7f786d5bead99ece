import type { ImageInfo, ImageLevel } from '../api/appApi.js';
import { sortedSample } from './clipLimits.js';
import { binnedWcs, wcsFromHeader, worldToPixelAffine } from './helioWcs.js';
import type { ImageData32 } from './imageSampling.js';
import { observationLabel, type ObservationLabel } from './observationLabel.js';

/** What a pane can show: a level of the job, or a FITS file the user opened beside them. */
export type PaneLevel = ImageLevel | 'file';

/** One processing level of the observation (or the opened file) as the viewer holds it: pixels, WCS and a sorted sample. */
export interface LevelImage extends ImageData32 {
  level: PaneLevel;
  info: ImageInfo;
  label: ObservationLabel;
  /** Pixels of the file per pixel here: > 1 for the server's block-mean preview. */
  binning: number;
  sorted: Float32Array;
  affine: number[];
}

export function levelImage(level: PaneLevel, info: ImageInfo, block: LevelPixels): LevelImage {
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
    sorted: sortedSample(block.pixels),
    affine: worldToPixelAffine(wcs),
  };
}

export interface LevelPixels {
  width: number;
  height: number;
  binning: number;
  pixels: Float32Array;
}
