import { niceTicks } from '../viewer/axisTicks.js';
import type { Limits } from '../viewer/clipLimits.js';
import { LUT_SIZE } from '../viewer/colourMaps.js';

const STRIP = 72;

/**
 * The exported picture: the pane's pixels (RGBA read from GL, bottom row first, so flipped here) above
 * a strip with the caption and the colour bar, ticks and unit.
 */
export function composeExport(
  rgba: Uint8Array,
  width: number,
  height: number,
  caption: string,
  lut: Uint8Array,
  limits: Limits,
  unit: string,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height + STRIP;
  const ctx = canvas.getContext('2d')!;
  const pixels = ctx.createImageData(width, height);
  const row = width * 4;
  for (let y = 0; y < height; y++)
    pixels.data.set(rgba.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  ctx.putImageData(pixels, 0, 0);
  ctx.fillStyle = '#0c0e11';
  ctx.fillRect(0, height, width, STRIP);
  const font = Math.max(12, Math.round(Math.min(28, width / 60)));
  ctx.font = `${font}px system-ui, sans-serif`;
  ctx.fillStyle = '#fff';
  ctx.textBaseline = 'top';
  ctx.fillText(caption, 12, height + 8);
  // The colour bar along the right half, ticks and unit beside it.
  const barX = Math.round(width / 2);
  const barW = Math.round(width / 2 - 24 - ctx.measureText(unit).width);
  const barY = height + 10;
  for (let x = 0; x < barW; x++) {
    const i = Math.round((x / Math.max(1, barW - 1)) * (LUT_SIZE - 1));
    ctx.fillStyle = `rgb(${lut[4 * i]}, ${lut[4 * i + 1]}, ${lut[4 * i + 2]})`;
    ctx.fillRect(barX + x, barY, 1, font);
  }
  ctx.fillStyle = '#fff';
  ctx.fillText(unit, barX + barW + 8, barY);
  ctx.font = `${Math.round(font * 0.8)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  for (const v of niceTicks(limits.lo, limits.hi, 6)) {
    const x = barX + ((v - limits.lo) / (limits.hi - limits.lo)) * barW;
    ctx.fillRect(x, barY + font, 1, 6);
    ctx.fillText(`${+v.toPrecision(4)}`, x, barY + font + 8);
  }
  return canvas;
}
