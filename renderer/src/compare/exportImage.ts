import { niceTicks } from '../viewer/axisTicks.js';
import type { Limits } from '../viewer/clipLimits.js';
import { LUT_SIZE } from '../viewer/colourMaps.js';

const STRIP = 72;

/** One pane of an exported picture: its pixels as read from GL and what its strip says. */
export interface ExportPart {
  /** RGBA read from GL: bottom row first (flipped here). */
  rgba: Uint8Array;
  width: number;
  height: number;
  caption: string;
  lut: Uint8Array;
  limits: Limits;
  unit: string;
}

/**
 * The exported picture: the panes side by side, left to right, each above a strip of its own with its
 * caption and its colour bar (ticks and unit): a pane of its own scale is read on its own bar.
 */
export function composeExport(parts: readonly ExportPart[]): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = parts.reduce((sum, p) => sum + p.width, 0);
  const height = Math.max(...parts.map((p) => p.height));
  canvas.height = height + STRIP;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#0c0e11';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  let left = 0;
  for (const part of parts) {
    drawPart(ctx, part, left, height);
    left += part.width;
  }
  return canvas;
}

function drawPart(ctx: CanvasRenderingContext2D, part: ExportPart, left: number, stripY: number): void {
  const { rgba, width, height, caption, lut, limits, unit } = part;
  const pixels = ctx.createImageData(width, height);
  const row = width * 4;
  for (let y = 0; y < height; y++)
    pixels.data.set(rgba.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  ctx.putImageData(pixels, left, 0);
  const font = Math.max(12, Math.round(Math.min(28, width / 60)));
  ctx.font = `${font}px system-ui, sans-serif`;
  ctx.fillStyle = '#fff';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(caption, left + 12, stripY + 8);
  // The colour bar along the right half, ticks and unit beside it.
  const barX = left + Math.round(width / 2);
  const barW = Math.round(width / 2 - 24 - ctx.measureText(unit).width);
  const barY = stripY + 10;
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
}
