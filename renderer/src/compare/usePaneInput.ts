import { ref, type Ref } from 'vue';
import { panBy, screenToWorld, zoomAbout, type Viewport } from '../viewer/viewport.js';
import { MODES, type CompareSettings } from './compareSettings.js';

interface PaneInputTarget {
  stage: Ref<HTMLElement | undefined>;
  paneCount: Ref<number>;
  view: Ref<Viewport>;
  settings: CompareSettings;
  swipe: Ref<number>;
  schedule: () => void;
  fitAll: () => void;
  oneToOne: () => void;
  exportPng: () => void;
  stepBlink: (by: number) => void;
  toggleHelp: (show?: boolean) => void;
  /** Right-drag: the pointer's travel since the press, as shares of the stage's width and height. */
  contrastDrag?: { begin: (pane: number) => void; move: (dx: number, dy: number) => void };
}

/** What the keys do, for the "?" overlay; the handler below is the same list. */
export const SHORTCUTS = [
  { keys: '1 b s d', does: 'side by side, blink, swipe, difference' },
  { keys: ', .', does: 'blink: previous / next level' },
  { keys: '[ ]', does: 'swipe: move the split' },
  { keys: '← → ↑ ↓', does: 'pan' },
  { keys: '+ −', does: 'zoom in / out' },
  { keys: '0', does: 'fit the Sun' },
  { keys: 'x', does: 'zoom 1:1 (one screen pixel per data pixel)' },
  { keys: 'l g', does: 'limb, heliographic grid' },
  { keys: 'i', does: 'invert the colours' },
  { keys: 'a h m', does: 'arcsec axes, helioprojective grid, magnifier' },
  { keys: 'e', does: 'export PNG' },
  { keys: 'drag · wheel', does: 'pan · zoom about the pointer' },
  { keys: 'shift+drag', does: 'line profile' },
  { keys: 'ctrl+drag', does: 'region statistics (box)' },
  { keys: 'right-drag', does: 'scale shown: ← → bias, ↑ ↓ contrast (as DS9)' },
  { keys: 'drag the swipe line', does: 'move the split' },
  { keys: '?', does: 'this list; Esc closes it' },
];

/**
 * Pointer and keyboard on the panes: drag pans, wheel zooms about the cursor, shift+drag draws the line
 * profile, ctrl+drag a statistics box, dragging the swipe line (or alt+drag) moves it; the world point under the pointer is
 * `pointer`. Keys work wherever the focus is in the view, except in a text field.
 */
export function usePaneInput(t: PaneInputTarget) {
  const pointer = ref<[number, number]>();
  const profileLine = ref<[[number, number], [number, number]]>();
  const regionBox = ref<[[number, number], [number, number]]>();
  let dragFrom:
    | { x: number; y: number; world?: [number, number]; split?: boolean; box?: boolean; contrast?: boolean }
    | undefined;

  function paneOffset(event: PointerEvent | WheelEvent | MouseEvent): [number, number] {
    const rect = t.stage.value!.getBoundingClientRect();
    const n = Math.max(1, t.paneCount.value);
    const w = rect.width / n;
    const x = event.clientX - rect.left;
    const i = Math.min(n - 1, Math.floor(x / w));
    return [x - (i + 0.5) * w, event.clientY - rect.top - rect.height / 2];
  }
  function onDown(event: PointerEvent): void {
    (event.target as Element).setPointerCapture(event.pointerId);
    if (event.button === 2 && t.contrastDrag) {
      dragFrom = { x: event.clientX, y: event.clientY, contrast: true };
      const rect = t.stage.value!.getBoundingClientRect();
      const n = Math.max(1, t.paneCount.value);
      t.contrastDrag.begin(Math.min(n - 1, Math.floor(((event.clientX - rect.left) / rect.width) * n)));
      return;
    }
    const [dx, dy] = paneOffset(event);
    const stage = t.stage.value!;
    const splitX = stage.getBoundingClientRect().left + t.swipe.value * stage.clientWidth;
    dragFrom = {
      x: event.clientX,
      y: event.clientY,
      world:
        event.shiftKey || event.ctrlKey || event.metaKey ? screenToWorld(t.view.value, dx, dy) : undefined,
      box: event.ctrlKey || event.metaKey,
      split: t.settings.value.mode === 'swipe' && (event.altKey || Math.abs(event.clientX - splitX) < 8),
    };
  }
  function onMove(event: PointerEvent): void {
    const [dx, dy] = paneOffset(event);
    pointer.value = screenToWorld(t.view.value, dx, dy);
    if (dragFrom?.contrast) {
      const stage = t.stage.value!;
      t.contrastDrag?.move(
        (event.clientX - dragFrom.x) / stage.clientWidth,
        (event.clientY - dragFrom.y) / stage.clientHeight,
      );
    } else if (dragFrom?.world && dragFrom.box) {
      regionBox.value = [dragFrom.world, pointer.value];
    } else if (dragFrom?.world) {
      profileLine.value = [dragFrom.world, pointer.value];
    } else if (dragFrom) {
      if (dragFrom.split) {
        const stage = t.stage.value!;
        const share = (event.clientX - stage.getBoundingClientRect().left) / stage.clientWidth;
        t.swipe.value = Math.min(1, Math.max(0, share));
      } else {
        t.view.value = panBy(t.view.value, event.clientX - dragFrom.x, event.clientY - dragFrom.y);
        dragFrom = { x: event.clientX, y: event.clientY };
      }
    }
    t.schedule();
  }
  function onUp(): void {
    dragFrom = undefined;
  }
  function onLeave(): void {
    pointer.value = undefined;
  }
  function onWheel(event: WheelEvent): void {
    const [dx, dy] = paneOffset(event);
    t.view.value = zoomAbout(t.view.value, Math.exp(-event.deltaY * 0.0015), dx, dy);
    t.schedule();
  }

  function onKey(event: KeyboardEvent): void {
    const field = (event.target as HTMLElement | null)?.closest?.('input, select, textarea');
    if (field) return;
    const step = 40;
    const view = t.view;
    const settings = t.settings.value;
    const actions: Record<string, () => void> = {
      ArrowLeft: () => (view.value = panBy(view.value, step, 0)),
      ArrowRight: () => (view.value = panBy(view.value, -step, 0)),
      ArrowUp: () => (view.value = panBy(view.value, 0, step)),
      ArrowDown: () => (view.value = panBy(view.value, 0, -step)),
      '+': () => (view.value = zoomAbout(view.value, 1.25, 0, 0)),
      '=': () => (view.value = zoomAbout(view.value, 1.25, 0, 0)),
      '-': () => (view.value = zoomAbout(view.value, 0.8, 0, 0)),
      '0': t.fitAll,
      x: t.oneToOne,
      i: () => (settings.invert = !settings.invert),
      ',': () => t.stepBlink(-1),
      '.': () => t.stepBlink(1),
      '?': () => t.toggleHelp(),
      Escape: () => t.toggleHelp(false),
      l: () => (settings.limb = !settings.limb),
      g: () => (settings.grid = !settings.grid),
      a: () => (settings.axes = !settings.axes),
      h: () => (settings.hpGrid = !settings.hpGrid),
      m: () => (settings.magnifier = !settings.magnifier),
      e: t.exportPng,
      '[': () => (t.swipe.value = Math.max(0, t.swipe.value - 0.05)),
      ']': () => (t.swipe.value = Math.min(1, t.swipe.value + 0.05)),
      ...Object.fromEntries(MODES.map((m) => [m.key, () => (settings.mode = m.id)])),
    };
    const action = actions[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    action();
    event.preventDefault();
    t.schedule();
  }

  return { pointer, profileLine, regionBox, onDown, onMove, onUp, onLeave, onWheel, onKey };
}
