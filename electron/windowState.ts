import { renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BrowserWindow, Rectangle } from 'electron';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1400, height: 900, maximized: false };
const MIN = { width: 800, height: 560 };
/** How much of the title bar must be on a screen for a saved position to be kept. */
const GRIP = { width: 120, height: 40 };

/**
 * The saved state made safe for today's screens: a window saved on a monitor that is gone, or larger
 * than any screen, would open out of reach; then it keeps its size (clamped) and the OS places it.
 */
export function fitWindowState(saved: unknown, workAreas: Rectangle[]): WindowState {
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Partial<
    Record<keyof WindowState, unknown>
  >;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined);
  const largest = workAreas.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), {
    x: 0,
    y: 0,
    width: DEFAULT_WINDOW_STATE.width,
    height: DEFAULT_WINDOW_STATE.height,
  });
  const width = Math.min(Math.max(num(s.width) ?? DEFAULT_WINDOW_STATE.width, MIN.width), largest.width);
  const height = Math.min(Math.max(num(s.height) ?? DEFAULT_WINDOW_STATE.height, MIN.height), largest.height);
  const state: WindowState = { width, height, maximized: s.maximized === true };
  const [x, y] = [num(s.x), num(s.y)];
  if (x === undefined || y === undefined) return state;
  const reachable = workAreas.some(
    (a) =>
      Math.min(x + width, a.x + a.width) - Math.max(x, a.x) >= GRIP.width &&
      y >= a.y &&
      y + GRIP.height <= a.y + a.height,
  );
  return reachable ? { ...state, x, y } : state;
}

export async function loadWindowState(file: string): Promise<unknown> {
  return readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => undefined,
  );
}

/** Saves the window's normal (un-maximised) bounds and whether it was maximised, when it closes. */
export function rememberWindowState(win: BrowserWindow, file: string): void {
  win.on('close', () => {
    const bounds = win.getNormalBounds();
    saveWindowState(file, { ...bounds, maximized: win.isMaximized() });
  });
}

/**
 * Written synchronously and atomically: on Cmd+Q the process may exit right after 'close', before
 * any asynchronous write would finish. A state that cannot be saved is only a lost preference.
 */
export function saveWindowState(file: string, state: WindowState): void {
  const temporary = `${file}.partial`;
  try {
    writeFileSync(temporary, JSON.stringify(state));
    renameSync(temporary, file);
  } catch {
    // the next start opens at the default place
  }
}
