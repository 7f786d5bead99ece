import { onBeforeUnmount, onMounted, ref, type Ref, type ShallowRef } from 'vue';
import type { ImageLevel } from '../api/appApi.js';
import { ImageRenderer, type GpuImage, type PaneDraw } from '../gl/imageRenderer.js';
import type { Limits } from '../viewer/clipLimits.js';
import { heliographicGrid, limbCircle } from '../viewer/heliographicGrid.js';
import type { LevelImage } from '../viewer/levelImage.js';
import { paneColumns, type PaneSpec } from '../viewer/paneLayout.js';
import { worldToScreen, type Viewport } from '../viewer/viewport.js';
import type { CompareSettings } from './compareSettings.js';
import { paneLut } from './paneLut.js';

export interface PaneScene {
  images: ShallowRef<Map<ImageLevel, LevelImage>>;
  panes: Ref<PaneSpec[]>;
  view: Ref<Viewport>;
  settings: CompareSettings;
  limitsOf: (level: ImageLevel) => Limits;
  differenceLimits: Ref<Limits>;
  swipe: Ref<number>;
  profileLine: Ref<[[number, number], [number, number]] | undefined>;
}

/**
 * Draws the panes: the images through WebGL (one texture per level, one lookup texture per stretch),
 * then limb, grid, profile line and swipe line on a 2D overlay canvas (labels are HTML above them); one frame per animation
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
  const textures = new Map<ImageLevel, GpuImage>();
  const luts = new Map<string, WebGLTexture>();

  function upload(image: LevelImage): void {
    if (renderer) {
      const previous = textures.get(image.level)?.texture;
      const texture = renderer.upload(image.data, image.width, image.height, previous);
      textures.set(image.level, { texture, width: image.width, height: image.height, affine: image.affine });
    }
    schedule();
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

  let frame = 0;
  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function paneRects() {
    const canvas = glCanvas.value!;
    const columns = paneColumns(scene.panes.value.length, canvas.width);
    return scene.panes.value.map((p, i) => ({ ...p, ...columns[i], y: 0, height: canvas.height }));
  }

  function draw(): void {
    frame = 0;
    if (!renderer || !glCanvas.value) return;
    const started = performance.now();
    const draws: PaneDraw[] = [];
    for (const p of paneRects()) {
      const a = textures.get(p.a);
      const b = p.b ? textures.get(p.b) : undefined;
      if (!a || p.missing) continue;
      const diff = p.mode === 'difference';
      const limitsA = diff ? scene.differenceLimits.value : scene.limitsOf(p.a);
      draws.push({
        ...p,
        viewport: scene.view.value,
        a,
        b,
        limitsA,
        limitsB: p.b ? scene.limitsOf(p.b) : undefined,
        lut: lut(diff ? undefined : scene.images.value.get(p.a), limitsA),
        split: scene.swipe.value,
      });
    }
    renderer.draw(draws);
    renderer.finish();
    const took = performance.now() - started;
    frameMs.value = frameMs.value ? 0.8 * frameMs.value + 0.2 * took : took;
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

  /** The canvases as one PNG, downloaded under `name`. */
  function exportPng(name: string): void {
    const gl = glCanvas.value;
    const over = overlay.value;
    if (!gl || !over) return;
    draw();
    const out = document.createElement('canvas');
    out.width = gl.width;
    out.height = gl.height;
    const ctx = out.getContext('2d')!;
    ctx.drawImage(gl, 0, 0);
    ctx.drawImage(over, 0, 0);
    const link = document.createElement('a');
    link.download = name;
    link.href = out.toDataURL('image/png');
    link.click();
  }

  function resize(): void {
    const ratio = window.devicePixelRatio || 1;
    const rect = stage.value?.getBoundingClientRect();
    if (!rect || !glCanvas.value || !overlay.value) return;
    for (const c of [glCanvas.value, overlay.value]) {
      c.width = Math.round(rect.width * ratio);
      c.height = Math.round(rect.height * ratio);
    }
    schedule();
  }

  let observer: ResizeObserver | undefined;
  onMounted(() => {
    try {
      renderer = new ImageRenderer(glCanvas.value!);
    } catch (failure) {
      error.value = (failure as Error).message;
    }
    observer = new ResizeObserver(resize);
    observer.observe(stage.value!);
    resize();
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    if (frame) cancelAnimationFrame(frame);
    for (const t of textures.values()) renderer?.release(t.texture);
    for (const t of luts.values()) renderer?.release(t);
  });

  return { upload, schedule, frameMs, error, exportPng };
}
