import { niceTicks } from './axisTicks.js';
import { worldToScreen, type Viewport } from './viewport.js';

/** One axis tick: its helioprojective value (arcsec) and where it lies, CSS px from the pane's left or top. */
export interface AxisTick {
  value: number;
  at: number;
}

/**
 * The arcsec ticks of a pane (width × height CSS px) showing `view`: Tx along the bottom edge, Ty up
 * the left edge, about one every 90 px, at round values. The viewport is linear in Tx and Ty, so the
 * helioprojective grid is the ticks' straight lines.
 */
export function paneAxes(view: Viewport, width: number, height: number): { x: AxisTick[]; y: AxisTick[] } {
  const halfW = (width / 2) * view.arcsecPerPixel;
  const halfH = (height / 2) * view.arcsecPerPixel;
  const x = niceTicks(view.cx - halfW, view.cx + halfW, Math.max(2, Math.round(width / 90))).map((value) => ({
    value,
    at: width / 2 + worldToScreen(view, value, view.cy)[0],
  }));
  const y = niceTicks(view.cy - halfH, view.cy + halfH, Math.max(2, Math.round(height / 90))).map(
    (value) => ({
      value,
      at: height / 2 + worldToScreen(view, view.cx, value)[1],
    }),
  );
  return { x, y };
}
