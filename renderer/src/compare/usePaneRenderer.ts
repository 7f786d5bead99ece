import { onBeforeUnmount, onMounted, ref, type Ref, type ShallowRef } from 'vue';
import { ImageRenderer, warmUpShaders, type GpuImage, type PaneDraw } from '../gl/imageRenderer.js';
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
 * Bytes of pixels per texture upload call: 1 MiB, 64 rows of a 4096² frame. The GL copies them into
 * a shared buffer on the page's thread; bigger bands made it grow that buffer anew (fresh memory is
 * slow to touch), 20–130 ms a 4 MiB band on a busy machine.
 */
const BAND_BYTES = 1 << 20;

interface Upload {
  image: LevelImage;
  wanted: () => boolean;
  done: (uploaded: boolean) => void;
  /** The next row to upload. */
  row: number;
  texture?: WebGLTexture;
}

/**
 * Draws the panes: the images through WebGL (one texture per level, one lookup texture per stretch),
 * then limb, grid, profile line, region box, the crosshair (linked: the same place on the Sun in every
 * pane) and swipe line on a 2D overlay canvas (labels are HTML above them); one frame per animation
 * frame however many changes asked for it.
 */
export function usePaneRenderer(
  glCanvas: Ref<HTMLCanvasElement | undefined>,
  overlay: Ref<HTMLCanvasElement | undefined>,
  stage: Ref<HTMLElement | undefined>,
  scene: PaneScene,
) {
  const frameMs = ref(0);
  const error = ref('');
  let renderer: ImageRenderer | undefined;
  /** Each level's texture with the image it holds: drawn only while that image is the one shown. */
  const textures = new Map<PaneLevel, GpuImage & { image: LevelImage }>();
  const luts = new Map<string, WebGLTexture>();
  const uploads: Upload[] = [];
  let uploading = false;

  /**
   * Puts an image on the GPU in bands of rows, one band at a time, each in a task of its own: the
   * next goes once the GPU has taken the last (seen at an animation frame), so uploads never queue up
   * until a GL call must wait for room. Resolves true once the whole image is there (its level then
   * draws it), false when `wanted` said no before (another observation was chosen); in a task of its
   * own too, as what follows (the panels' update) is the page's work of its own.
   */
  function upload(image: LevelImage, wanted: () => boolean): Promise<boolean> {
    if (error.value) return Promise.resolve(false);
    return new Promise((done) => {
      uploads.push({ image, wanted, done, row: 0 });
      if (!uploading) {
        uploading = true;
        inOwnTask(uploadBand);
      }
    });
  }

  function uploadBand(): void {
    const next = uploads[0];
    if (next && !renderer && !error.value) return void requestAnimationFrame(() => inOwnTask(uploadBand));
    if (!next || !renderer) {
      for (const u of uploads.splice(0)) u.done(false);
      uploading = false;
      return;
    }
    const { image } = next;
    if (!next.wanted()) {
      if (next.texture) renderer.release(next.texture);
      uploads.shift();
      next.done(false);
      inOwnTask(uploadBand);
      return;
    }
    next.texture ??= renderer.allocate(image.width, image.height);
    const rows = Math.min(image.height - next.row, Math.max(1, Math.floor(BAND_BYTES / (4 * image.width))));
    renderer.uploadRows(next.texture, image.data, image.width, next.row, rows);
    next.row += rows;
    if (next.row >= image.height) {
      uploads.shift();
      const previous = textures.get(image.level)?.texture;
      if (previous) renderer.release(previous);
      const { width, height, affine } = image;
      textures.set(image.level, { texture: next.texture, width, height, affine, image });
      inOwnTask(() => next.done(true));
      schedule();
    }
    renderer.whenFinished(() => inOwnTask(uploadBand));
  }

  function lut(image: LevelImage | undefined, limits: Limits): WebGLTexture {
    const { colourMap, scale, invert } = scene.settings.value;
    const wanted = paneLut(image, colourMap, scale, limits, invert);
    let texture = luts.get(wanted.key);
    if (!texture && renderer) {
      texture = renderer.lutTexture(wanted.rgba());
      luts.set(wanted.key, texture);
    }
    return texture!;
  }

  /** The level's texture if it holds the image the view shows now (never a previous observation's). */
  function shownTexture(level: PaneLevel): GpuImage | undefined {
    const t = textures.get(level);
    return t && t.image === scene.images.value.get(level) ? t : undefined;
  }

  let frame = 0;
  let timing = false;
  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function paneRects() {
    const canvas = glCanvas.value!;
    const columns = paneColumns(scene.panes.value.length, canvas.width);
    return scene.panes.value.map((p, i) => ({ ...p, ...columns[i], y: 0, height: canvas.height }));
  }

  /** What the renderer needs for one pane, or undefined while its image is not there. */
  function paneDraw(
    p: PaneSpec,
    viewport: Viewport,
  ): Omit<PaneDraw, 'x' | 'y' | 'width' | 'height'> | undefined {
    const a = shownTexture(p.a);
    const b = p.b ? shownTexture(p.b) : undefined;
    if (!a || p.missing) return undefined;
    const diff = p.mode === 'difference';
    const limitsA = diff ? scene.differenceLimits.value : scene.limitsOf(p.a);
    return {
      mode: p.mode,
      viewport,
      a,
      b,
      limitsA,
      limitsB: p.b ? scene.limitsOf(p.b) : undefined,
      lut: lut(diff ? undefined : scene.images.value.get(p.a), limitsA),
      split: scene.swipe.value,
    };
  }

  function draw(): void {
    frame = 0;
    if (!renderer || !glCanvas.value) return;
    try {
      if (!renderer.ready()) return schedule();
    } catch (failure) {
      error.value = (failure as Error).message;
      renderer = undefined;
      return;
    }
    const started = performance.now();
    const draws: PaneDraw[] = [];
    for (const p of paneRects()) {
      const d = paneDraw(p, scene.view.value);
      if (d) draws.push({ ...d, x: p.x, y: p.y, width: p.width, height: p.height });
    }
    renderer.draw(draws);
    if (!timing) {
      // One frame timed at a time, to the animation frame in which the GPU is seen done.
      timing = true;
      renderer.whenFinished(() => {
        timing = false;
        const took = performance.now() - started;
        frameMs.value = frameMs.value ? 0.8 * frameMs.value + 0.2 * took : took;
      });
    }
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
      if (!renderer || !image || pane.missing) throw new Error(`${LEVEL_NAMES[pane.a]} is not on screen`);
      if (image.binning !== 1) throw new Error(`${LEVEL_NAMES[pane.a]} is not at full resolution yet`);
    }
    const images = shown.map((s) => s.image!);
    if (!renderer || !images.length) throw new Error('no pane is on screen');
    const pixel = Math.min(...images.map((i) => Math.abs(i.wcs.cdelt1)));
    const width = Math.round(Math.max(...images.map((i) => i.width * Math.abs(i.wcs.cdelt1))) / pixel);
    const height = Math.round(Math.max(...images.map((i) => i.height * Math.abs(i.wcs.cdelt2))) / pixel);
    const first = images[0];
    const [cx, cy] = applyAffine(invertAffine(first.affine), (first.width - 1) / 2, (first.height - 1) / 2);
    const viewport = { cx, cy, arcsecPerPixel: pixel };
    const parts = shown.map(({ pane, caption, colours, limits, unit }) => ({
      rgba: renderer!.renderOffscreen(paneDraw(pane, viewport)!, width, height),
      width,
      height,
      caption,
      lut: colours.rgba(),
      limits,
      unit,
    }));
    const canvas = composeExport(parts);
    const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/png'));
    if (!blob) throw new Error('the browser could not encode the PNG');
    const link = document.createElement('a');
    link.download = name;
    link.href = URL.createObjectURL(blob);
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
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
    if (!box || !glCanvas.value || !overlay.value) return;
    const rect = { width: box.inlineSize, height: box.blockSize };
    stageSize = rect;
    sized();
    const [width, height] = [Math.round(rect.width * ratio), Math.round(rect.height * ratio)];
    // A WebGL canvas given a size, even its own, makes a new drawing buffer: only when it changed.
    if (glCanvas.value.width === width && glCanvas.value.height === height) return;
    for (const c of [glCanvas.value, overlay.value]) {
      c.width = width;
      c.height = height;
    }
    schedule();
  }

  /**
   * The WebGL context, once the canvas has its size (a context made before makes its drawing buffer
   * anew at the first resize, waiting on the GPU) and the shaders are linked in a worker (its first
   * link waits for the compiler), in a task of its own: together they held the page for 0.3–0.7 s.
   */
  let sized: () => void;
  const start = Promise.all([new Promise<void>((done) => (sized = done)), warmUpShaders()]);
  void start.then(() =>
    inOwnTask(() => {
      if (!glCanvas.value || renderer) return;
      try {
        renderer = new ImageRenderer(glCanvas.value);
      } catch (failure) {
        error.value = (failure as Error).message;
      }
      schedule();
    }),
  );

  let observer: ResizeObserver | undefined;
  onMounted(() => {
    // It reports the stage's first size too, once laid out.
    observer = new ResizeObserver(resize);
    observer.observe(stage.value!);
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    if (frame) cancelAnimationFrame(frame);
    for (const u of uploads.splice(0)) {
      if (u.texture) renderer?.release(u.texture);
      u.done(false);
    }
    for (const t of textures.values()) renderer?.release(t.texture);
    for (const t of luts.values()) renderer?.release(t);
  });

  return { upload, schedule, frameMs, error, exportPng, stageSize: () => stageSize };
}
