import type { ImageInfo } from '../api/appApi.js';
import { wcsFromHeader, worldToPixel } from './helioWcs.js';

/** A block of an image's own pixels, 0-based, as the services' cut-out takes it. */
export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The smallest block of the file's full-resolution pixels holding every pixel whose centre lies in a
 * helioprojective box (corners in arcsec), clipped to the image; undefined when the box misses it.
 * Level 1 is rolled against solar north, so the box's four corners are mapped, not two.
 */
export function cutoutRegion(
  info: Pick<ImageInfo, 'width' | 'height' | 'header'>,
  a: [number, number],
  b: [number, number],
): PixelRegion | undefined {
  const wcs = wcsFromHeader(info.header);
  const corners = [
    [a[0], a[1]],
    [a[0], b[1]],
    [b[0], a[1]],
    [b[0], b[1]],
  ].map(([tx, ty]) => worldToPixel(wcs, tx, ty));
  // 1-based pixel p has its centre at p: 0-based index p − 1; a centre inside the box counts.
  const xs = corners.map((c) => c[0] - 1);
  const ys = corners.map((c) => c[1] - 1);
  const x0 = Math.max(0, Math.ceil(Math.min(...xs)));
  const y0 = Math.max(0, Math.ceil(Math.min(...ys)));
  const x1 = Math.min(info.width - 1, Math.floor(Math.max(...xs)));
  const y1 = Math.min(info.height - 1, Math.floor(Math.max(...ys)));
  if (!(x1 >= x0 && y1 >= y0)) return undefined;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
