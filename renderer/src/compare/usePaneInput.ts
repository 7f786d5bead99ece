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
  exportPng: () => void;
}

/**
 * Pointer and keyboard on the panes: drag pans, wheel zooms about the cursor, shift+drag draws the line
 * profile, alt+drag moves the swipe split; the world point under the pointer is `pointer`.
 */
export function usePaneInput(t: PaneInputTarget) {
  const pointer = ref<[number, number]>();
  const profileLine = ref<[[number, number], [number, number]]>();
  let dragFrom: { x: number; y: number; world?: [number, number] } | undefined;

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
    const [dx, dy] = paneOffset(event);
    dragFrom = {
      x: event.clientX,
      y: event.clientY,
      world: event.shiftKey ? screenToWorld(t.view.value, dx, dy) : undefined,
    };
  }
  function onMove(event: PointerEvent): void {
    const [dx, dy] = paneOffset(event);
    pointer.value = screenToWorld(t.view.value, dx, dy);
    if (dragFrom?.world) {
      profileLine.value = [dragFrom.world, pointer.value];
    } else if (dragFrom) {
      if (t.settings.value.mode === 'swipe' && event.altKey) {
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
      l: () => (settings.limb = !settings.limb),
      g: () => (settings.grid = !settings.grid),
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

  return { pointer, profileLine, onDown, onMove, onUp, onLeave, onWheel, onKey };
}
