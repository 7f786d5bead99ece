import { onBeforeUnmount, onMounted, ref, type Ref, type ShallowRef } from 'vue';
import type { FromPaneWorker, PaneRequest, ToPaneWorker } from '../gl/paneRendererProtocol.js';
import type { Limits } from '../viewer/clipLimits.js';
import { heliographicGrid, limbCircle } from '../viewer/heliographicGrid.js';
import type { LevelImage, PaneLevel } from '../viewer/levelImage.js';
import { applyAffine, invertAffine } from '../viewer/affineMap.js';
import { paneColumns, type PaneSpec } from '../viewer/paneLayout.js';
import { worldToScreen, type Viewport } from '../viewer/viewport.js';
import { LEVEL_NAMES, type CompareSettings } from './compareSettings.js';
import { composeExport } from './exportImage.js';
import { inOwnTask } from './ownTask.js';
import { paneLut, type PaneLut } from './paneLut.js';

export interface PaneScene {
  images: ShallowRef<Map<PaneLevel, LevelImage>>;
  panes: Ref<PaneSpec[]>;
  view: Ref<Viewport>;
  settings: CompareSettings;
  limitsOf: (level: PaneLevel) => Limits;
  differenceLimits: Ref<Limits>;
  swipe: Ref<number>;
  profileLine: Ref<[[number, number], [number, number]] | undefined>;
  regionBox: Ref<[[number, number], [number, number]] | undefined>;
  /** The world point under the pointer: a crosshair there in every pane. */
  pointer: Ref<[number, number] | undefined>;
}

/** One pane of an exported PNG, with the caption and colour bar of its strip. */
export interface PaneExport {
  pane: PaneSpec;
  caption: string;
  colours: PaneLut;
  limits: Limits;
  unit: string;
}

/**
 * Bytes of pixels per band sent to the pane worker: 1 MiB, 64 rows of a 4096² frame. Each is copied
 * out of the image on the page's thread (the page keeps the image for its readout and statistics);
 * bigger bands meant more fresh memory touched in one task, 20–130 ms a 4 MiB band on a busy machine.
 */
const BAND_BYTES = 1 << 20;

interface Upload {
  image: LevelImage;
  wanted: () => boolean;
  done: (uploaded: boolean) => void;
  /** The next row to upload. */
  row: number;
  /** The pane worker's id of its texture, once allocated. */
  id?: number;
}

/** A level's image on the GPU: the worker's texture id, with the image it holds. */
interface HeldImage {
  id: number;
  image: LevelImage;
}

/**
 * Draws the panes: the images through WebGL in a worker (gl/paneRenderer.worker.ts, on the canvas
 * handed over to it: one texture per level, one lookup texture per stretch), then limb, grid, profile
 * line, region box, the crosshair (linked: the same place on the Sun in every pane) and swipe line on
 * a 2D overlay canvas here (labels are HTML above them); one frame per animation frame however many
 * changes asked for it.
 */
export function usePaneRenderer(
  glCanvas: Ref<HTMLCanvasElement | undefined>,
  overlay: Ref<HTMLCanvasElement | undefined>,
  stage: Ref<HTMLElement | undefined>,
  scene: PaneScene,
) {
  const frameMs = ref(0);
  /**
   * Whether the canvas shows all that was asked of it: no image on its way to the GPU, no frame
   * waiting to be asked for, the last asked for drawn (what a screenshot or a reader of it waits for).
   */
  const drawn = ref(false);
  let postedSeq = 0;
  let drawnSeq = 0;
  const error = ref('');
  let worker: Worker | undefined;
  let nextId = 1;
  /** Each level's texture with the image it holds: drawn only while that image is the one shown. */
  const textures = new Map<PaneLevel, HeldImage>();
  /** The lookup tables the worker holds, by key. */
  const luts = new Set<string>();
  const uploads: Upload[] = [];
  let uploading = false;
  /** The canvas's size in device pixels, as last given to the worker. */
  const canvasSize = { width: 0, height: 0 };
  const exports = new Map<number, (reply: Extract<FromPaneWorker, { type: 'exported' }>) => void>();

  const post = (message: ToPaneWorker, transfer: Transferable[] = []) =>
    worker!.postMessage(message, transfer);

  function answer({ data }: MessageEvent<FromPaneWorker>): void {
    switch (data.type) {
      case 'rows':
        return inOwnTask(uploadBand);
      case 'frame':
        frameMs.value = frameMs.value ? 0.8 * frameMs.value + 0.2 * data.ms : data.ms;
        drawnSeq = data.seq;
        return settle();
      case 'exported':
        exports.get(data.request)?.(data);
        exports.delete(data.request);
        return;
      case 'failed':
        error.value = data.message;
        for (const u of uploads.splice(0)) u.done(false);
        uploading = false;
        return;
    }
  }

  function settle(): void {
    drawn.value = !frame && !uploading && drawnSeq === postedSeq;
  }

  /**
   * Puts an image on the GPU in bands of rows, one band at a time, each in a task of its own: the
   * next goes once the worker says the GPU has taken the last, so bands never queue up. Resolves
   * true once the whole image is there (its level then draws it), false when `wanted` said no before
   * (another observation was chosen); in a task of its own too, as what follows (the panels' update)
   * is the page's work of its own.
   */
  function upload(image: LevelImage, wanted: () => boolean): Promise<boolean> {
    if (error.value) return Promise.resolve(false);
    return new Promise((done) => {
      uploads.push({ image, wanted, done, row: 0 });
      if (!uploading) {
        uploading = true;
        drawn.value = false;
        inOwnTask(uploadBand);
      }
    });
  }

  function uploadBand(): void {
    const next = uploads[0];
    if (next && !worker && !error.value) return void requestAnimationFrame(() => inOwnTask(uploadBand));
    if (!next || error.value) {
      for (const u of uploads.splice(0)) u.done(false);
      uploading = false;
      return settle();
    }
    const { image } = next;
    const { width, height, affine } = image;
    if (!next.wanted()) {
      if (next.id !== undefined) post({ type: 'release', id: next.id });
      uploads.shift();
      next.done(false);
      inOwnTask(uploadBand);
      return;
    }
    if (next.id === undefined) {
      next.id = nextId++;
      post({ type: 'allocate', id: next.id, width, height, affine: [...affine] });
    }
    const rows = Math.min(height - next.row, Math.max(1, Math.floor(BAND_BYTES / (4 * width))));
    const band = image.data.slice(next.row * width, (next.row + rows) * width);
    post({ type: 'rows', id: next.id, y: next.row, rows, band }, [band.buffer]);
    next.row += rows;
    if (next.row >= height) {
      uploads.shift();
      const previous = textures.get(image.level);
      if (previous) post({ type: 'release', id: previous.id });
      textures.set(image.level, { id: next.id, image });
      inOwnTask(() => next.done(true));
      schedule();
    }
  }

  /** The key of the lookup table for this stretch, sent to the worker the first time it is asked for. */
  function lut(image: LevelImage | undefined, limits: Limits): string {
    const { colourMap, scale, invert } = scene.settings.value;
    const wanted = paneLut(image, colourMap, scale, limits, invert);
    if (!luts.has(wanted.key)) {
      // Copied, not transferred: the colour bars draw from the same table.
      post({ type: 'lut', key: wanted.key, rgba: wanted.rgba() });
      luts.add(wanted.key);
    }
    return wanted.key;
  }

  /** The level's texture id if it holds the image the view shows now (never a previous observation's). */
  function shownTexture(level: PaneLevel): number | undefined {
    const t = textures.get(level);
    return t && t.image === scene.images.value.get(level) ? t.id : undefined;
  }

  let frame = 0;
  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(draw);
    drawn.value = false;
  }

  function paneRects() {
    const columns = paneColumns(scene.panes.value.length, canvasSize.width);
    return scene.panes.value.map((p, i) => ({ ...p, ...columns[i], y: 0, height: canvasSize.height }));
  }

  /** What the worker needs for one pane, or undefined while its image is not there. */
  function paneRequest(
    p: PaneSpec,
    viewport: Viewport,
  ): Omit<PaneRequest, 'x' | 'y' | 'width' | 'height'> | undefined {
    const a = shownTexture(p.a);
    const b = p.b ? shownTexture(p.b) : undefined;
    if (a === undefined || p.missing) return undefined;
    const diff = p.mode === 'difference';
    const limitsA = diff ? scene.differenceLimits.value : scene.limitsOf(p.a);
    // Plain copies: the view's reactive objects cannot be posted to the worker.
    const plain = ({ lo, hi }: Limits) => ({ lo, hi });
    return {
      mode: p.mode,
      viewport: { cx: viewport.cx, cy: viewport.cy, arcsecPerPixel: viewport.arcsecPerPixel },
      a,
      b,
      limitsA: plain(limitsA),
      limitsB: p.b ? plain(scene.limitsOf(p.b)) : undefined,
      lut: lut(diff ? undefined : scene.images.value.get(p.a), limitsA),
      split: scene.swipe.value,
    };
  }

  function draw(): void {
    frame = 0;
    if (!worker || error.value || !canvasSize.width) return settle();
    const panes: PaneRequest[] = [];
    for (const p of paneRects()) {
      const d = paneRequest(p, scene.view.value);
      if (d) panes.push({ ...d, x: p.x, y: p.y, width: p.width, height: p.height });
    }
    post({ type: 'draw', seq: ++postedSeq, ...canvasSize, ratio: window.devicePixelRatio || 1, panes });
    drawOverlay();
  }

  function drawOverlay(): void {
    const canvas = overlay.value;
    if (!canvas) return;
    const ctx = canvas.getContext('2d')!;
    const ratio = window.devicePixelRatio || 1;
    const view = scene.view.value;
    const settings = scene.settings.value;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (const p of paneRects()) {
      const image = scene.images.value.get(p.a);
      if (!image || p.missing) continue;
      const cx = (p.x + p.width / 2) / ratio;
      const cy = canvas.height / ratio / 2;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.save();
      ctx.beginPath();
      ctx.rect(p.x / ratio, 0, p.width / ratio, canvas.height / ratio);
      ctx.clip();
      const path = (points: [number, number][]) => {
        ctx.beginPath();
        points.forEach(([tx, ty], i) => {
          const [sx, sy] = worldToScreen(view, tx, ty);
          if (i === 0) ctx.moveTo(cx + sx, cy + sy);
          else ctx.lineTo(cx + sx, cy + sy);
        });
        ctx.stroke();
      };
      ctx.lineWidth = 1;
      if (settings.limb) {
        ctx.strokeStyle = 'rgba(120, 220, 255, 0.9)';
        path(limbCircle(image.wcs.rsunObs));
      }
      if (settings.grid) {
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.45)';
        for (const line of heliographicGrid(image.wcs.rsunObs, image.wcs.b0)) path(line);
      }
      if (scene.profileLine.value) {
        ctx.strokeStyle = '#f2b632';
        ctx.lineWidth = 2;
        path(scene.profileLine.value);
      }
      const box = scene.regionBox.value;
      if (box) {
        ctx.strokeStyle = '#7dff9b';
        ctx.lineWidth = 1.5;
        const [[ax, ay], [bx, by]] = box;
        path([
          [ax, ay],
          [bx, ay],
          [bx, by],
          [ax, by],
          [ax, ay],
        ]);
      }
      const at = scene.pointer.value;
      if (at) {
        const [sx, sy] = worldToScreen(view, at[0], at[1]);
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (const [x0, y0, x1, y1] of [
          [-12, 0, -4, 0],
          [4, 0, 12, 0],
          [0, -12, 0, -4],
          [0, 4, 0, 12],
        ]) {
          ctx.moveTo(cx + sx + x0, cy + sy + y0);
          ctx.lineTo(cx + sx + x1, cy + sy + y1);
        }
        ctx.stroke();
      }
      if (p.mode === 'swipe') {
        ctx.strokeStyle = '#fff';
        const x = (p.x + scene.swipe.value * p.width) / ratio;
        ctx.beginPath();
        ctx.moveTo(x, 0);
        ctx.lineTo(x, canvas.height / ratio);
        ctx.stroke();
      }
      ctx.restore();
    }
  }

  /**
   * The panes asked for at the data's full resolution, side by side in one PNG (north up), each above
   * a strip with what it is (level, channel, time, exposure) and its colour bar, limits and unit;
   * downloaded under `name`. All are drawn on one grid: the finest pixel of their levels, over the
   * widest field, about the first pane's centre, so a place on the Sun is at the same pixel in every
   * pane; one pane alone is on its own level's grid, one PNG pixel per pixel. No other pane is
   * exported in place of one still a preview.
   */
  async function exportPng(panes: readonly PaneExport[], name: string): Promise<void> {
    const shown = panes.map((e) => ({ ...e, image: scene.images.value.get(e.pane.a) }));
    for (const { pane, image } of shown) {
      if (!image || pane.missing || shownTexture(pane.a) === undefined)
        throw new Error(`${LEVEL_NAMES[pane.a]} is not on screen`);
      if (image.binning !== 1) throw new Error(`${LEVEL_NAMES[pane.a]} is not at full resolution yet`);
    }
    const images = shown.map((s) => s.image!);
    if (!worker || error.value || !images.length) throw new Error('no pane is on screen');
    const pixel = Math.min(...images.map((i) => Math.abs(i.wcs.cdelt1)));
    const width = Math.round(Math.max(...images.map((i) => i.width * Math.abs(i.wcs.cdelt1))) / pixel);
    const height = Math.round(Math.max(...images.map((i) => i.height * Math.abs(i.wcs.cdelt2))) / pixel);
    const first = images[0];
    const [cx, cy] = applyAffine(invertAffine(first.affine), (first.width - 1) / 2, (first.height - 1) / 2);
    const viewport = { cx, cy, arcsecPerPixel: pixel };
    const parts = await Promise.all(
      shown.map(async ({ pane, caption, colours, limits, unit }) => ({
        rgba: await renderOffscreen({ ...paneRequest(pane, viewport)!, x: 0, y: 0, width, height }),
        width,
        height,
        caption,
        lut: colours.rgba(),
        limits,
        unit,
      })),
    );
    const canvas = composeExport(parts);
    const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/png'));
    if (!blob) throw new Error('the browser could not encode the PNG');
    const link = document.createElement('a');
    link.download = name;
    link.href = URL.createObjectURL(blob);
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  /** One pane drawn by the worker at `pane`'s width × height and read back: RGBA, bottom row first. */
  function renderOffscreen(pane: PaneRequest): Promise<Uint8Array> {
    const request = nextId++;
    return new Promise((done, failed) => {
      exports.set(request, (reply) => ('rgba' in reply ? done(reply.rgba) : failed(new Error(reply.error))));
      post({ type: 'export', request, pane });
    });
  }

  /** The stage's size in CSS pixels as last laid out (asking the page would lay it out anew). */
  let stageSize: { width: number; height: number } | undefined;

  /**
   * The stage's size as the resize observer reports it (its border box, as laid out for this frame):
   * asking the page (getBoundingClientRect) as the view mounts would lay out the whole new view there
   * and then, in the mounting task.
   */
  function resize([entry]: ResizeObserverEntry[]): void {
    const ratio = window.devicePixelRatio || 1;
    const box = entry?.borderBoxSize[0];
    if (!box || !overlay.value) return;
    stageSize = { width: box.inlineSize, height: box.blockSize };
    const [width, height] = [Math.round(stageSize.width * ratio), Math.round(stageSize.height * ratio)];
    if (canvasSize.width === width && canvasSize.height === height) return;
    Object.assign(canvasSize, { width, height });
    overlay.value.width = width;
    overlay.value.height = height;
    schedule();
  }

  let observer: ResizeObserver | undefined;
  onMounted(() => {
    // It reports the stage's first size too, once laid out.
    observer = new ResizeObserver(resize);
    observer.observe(stage.value!);
    const canvas = glCanvas.value!;
    if (!canvas.transferControlToOffscreen) {
      error.value =
        'This browser cannot draw on a canvas off the page (OffscreenCanvas): the viewer needs it.';
      return;
    }
    const offscreen = canvas.transferControlToOffscreen();
    worker = new Worker(new URL('../gl/paneRenderer.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = answer;
    worker.onerror = (event) => {
      error.value = `The viewer's drawing worker failed: ${event.message}`;
    };
    post({ type: 'start', canvas: offscreen }, [offscreen]);
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    if (frame) cancelAnimationFrame(frame);
    for (const u of uploads.splice(0)) u.done(false);
    for (const reply of exports.values())
      reply({ type: 'exported', request: 0, error: 'the view was closed' });
    // Its WebGL context, and every texture in it, goes with it.
    worker?.terminate();
  });

  return { upload, schedule, frameMs, drawn, error, exportPng, stageSize: () => stageSize };
}
