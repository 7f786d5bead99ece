import { computed, onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import type { AppApi, ImageLevel, Job } from '../api/appApi.js';
import { ImageRenderer, type GpuImage, type PaneDraw } from '../gl/imageRenderer.js';
import { applyAffine, invertAffine } from '../viewer/affineMap.js';
import { percentileLimits, type Limits } from '../viewer/clipLimits.js';
import { differenceLimits } from '../viewer/differenceLimits.js';
import { missingLevelReason } from '../viewer/levelAvailability.js';
import { levelImage, type LevelImage } from '../viewer/levelImage.js';
import { exportCaption } from '../viewer/observationLabel.js';
import { formatObsTime, type SeriesFrame } from '../viewer/observationSeries.js';
import type { Viewport } from '../viewer/viewport.js';
import { webmFile, type WebmFrame } from '../viewer/webmFile.js';
import { LEVEL_NAMES, type CompareSettings } from './compareSettings.js';
import { composeExport } from './exportImage.js';
import { paneLut } from './paneLut.js';

/** Movie frames are the server's block-mean previews: at most this many pixels across. */
const MOVIE_SIZE = 1024;
/** An exported frame is at least this wide, so the burned-in time stamp stays legible. */
const EXPORT_MIN_WIDTH = 512;
/** Textures kept on the GPU at once (a 1024² frame is 4 MB). */
const TEXTURES_KEPT = 8;

export type MovieMode = 'frames' | 'running' | 'base';
export const MOVIE_MODES: { id: MovieMode; label: string }[] = [
  { id: 'frames', label: 'Frames' },
  { id: 'running', label: 'Running difference (frame − previous)' },
  { id: 'base', label: 'Base difference (frame − base frame)' },
];

export interface MovieScene {
  /** The observations of one channel, oldest first. */
  series: Ref<SeriesFrame[]>;
  job: (id: string) => Job | undefined;
  view: Ref<Viewport>;
  settings: CompareSettings;
  /** Compare's (locked) limits of a level: frames are drawn on the scale of the observation shown. */
  limitsOf: (level: ImageLevel) => Limits;
}

/**
 * A movie of a channel's series: every frame's preview loaded once, played at a chosen rate on the
 * current scale and colour map (locked, so brightness changes are real), or as running difference
 * (frame − previous) or base difference (frame − base frame) on the difference pane's machinery
 * (the shader's A − B on A's grid, symmetric limits: here one set for the whole movie). Exports WebM
 * (WebCodecs, muxed by ../viewer/webmFile.ts) with the time stamp and colour bar burned into every frame.
 */
export function useSeriesMovie(api: AppApi, scene: MovieScene) {
  /** The movie's own canvas (over Compare's panes while open). */
  const canvas = ref<HTMLCanvasElement>();
  const open = ref(false);
  /** The level played; the series is the channel's observations that have it. */
  const level = ref<ImageLevel>('1.5');
  const series = computed(() =>
    scene.series.value.filter((f) => {
      const job = scene.job(f.jobId);
      return job && !missingLevelReason(job, level.value);
    }),
  );
  const frames = shallowRef<LevelImage[]>([]);
  const loading = ref('');
  const error = ref('');
  const index = ref(0);
  const playing = ref(false);
  const fps = ref(5);
  const mode = ref<MovieMode>('frames');
  const base = ref(0);
  const exporting = ref(false);
  const exported = ref('');

  /** The frames a movie of this mode shows: a running difference starts at the second. */
  const order = computed(() => {
    const n = frames.value.length;
    return Array.from({ length: n }, (_, i) => i).filter((i) => mode.value !== 'running' || i > 0);
  });
  const shown = computed(() => series.value[index.value]);
  const reference = (i: number) =>
    mode.value === 'running' ? i - 1 : mode.value === 'base' ? base.value : -1;

  /**
   * Limits typed in the scale panel for the movie itself: a difference movie's, or frames' whose level
   * the observation shown lacks (else frames play on, and the panel edits, the observation's scale).
   */
  const typed = ref<Limits>();
  /**
   * One scale for the whole movie: typed, else the observation's for frames, the widest pair's for
   * differences.
   */
  const limits = computed<Limits>(() => {
    const all = frames.value;
    const [low, high] = scene.settings.value.percentiles;
    if (typed.value) return typed.value;
    if (mode.value === 'frames') {
      const locked = scene.limitsOf(level.value);
      return Number.isFinite(locked.lo) || !all.length ? locked : percentileLimits(all[0].sorted, low, high);
    }
    let reach = 0;
    for (const i of order.value) {
      const j = reference(i);
      if (j >= 0 && j !== i) reach = Math.max(reach, differenceLimits(all[i], all[j], high).hi);
    }
    return reach > 0 ? { lo: -reach, hi: reach } : { lo: -1, hi: 1 };
  });

  /** The movie's own colour bar: the map, limits and unit it plays with (not the panes' below it). */
  const colourBar = computed(() => {
    const image = frames.value[index.value];
    if (!image) return undefined;
    const { colourMap, scale, invert } = scene.settings.value;
    const difference = reference(index.value) >= 0;
    const minus = { frames: '', running: ' − previous', base: ' − base frame' }[mode.value];
    return {
      lut: paneLut(difference ? undefined : image, colourMap, scale, limits.value, invert),
      limits: limits.value,
      unit: image.label.unit,
      caption: `Movie: ${LEVEL_NAMES[level.value]}${minus}`,
    };
  });

  let loadedKey = '';
  async function load(): Promise<void> {
    const frameList = series.value;
    const shownLevel = level.value;
    const key = `${shownLevel}|${frameList.map((f) => f.jobId).join(',')}`;
    if (key === loadedKey) return;
    loadedKey = key;
    stop();
    frames.value = [];
    typed.value = undefined;
    error.value = '';
    const loaded: LevelImage[] = [];
    try {
      for (const [i, frame] of frameList.entries()) {
        loading.value = `Loading frame ${i + 1} of ${frameList.length}…`;
        const ref = { jobId: frame.jobId, level: shownLevel };
        const info = await api.call('imageInfo', ref);
        const { meta, pixels } = await api.call('imagePreview', { ...ref, maxSize: MOVIE_SIZE });
        if (key !== loadedKey) return;
        loaded.push(levelImage(shownLevel, info, { ...meta, pixels }));
      }
      frames.value = loaded;
      index.value = Math.min(index.value, loaded.length - 1);
      base.value = Math.min(base.value, loaded.length - 1);
      draw();
    } catch (failure) {
      if (key === loadedKey) {
        error.value = `The movie could not load its frames: ${(failure as Error).message}`;
        loadedKey = '';
      }
    } finally {
      if (key === loadedKey || !loadedKey) loading.value = '';
    }
  }

  let renderer: ImageRenderer | undefined;
  const textures = new Map<LevelImage, GpuImage>();
  const luts = new Map<string, WebGLTexture>();
  watch(canvas, (element) => {
    // a new canvas has a new WebGL context: the old one's textures went with it
    textures.clear();
    luts.clear();
    renderer = undefined;
    if (!element) return;
    try {
      renderer = new ImageRenderer(element);
    } catch (failure) {
      error.value = (failure as Error).message;
    }
  });

  function gpu(image: LevelImage): GpuImage {
    let held = textures.get(image);
    if (!held) {
      if (textures.size >= TEXTURES_KEPT) {
        const [oldest, texture] = textures.entries().next().value!;
        renderer!.release(texture.texture);
        textures.delete(oldest);
      }
      // A movie frame is a preview (at most 1024²): one upload, not the levels' row bands.
      const texture = renderer!.allocate(image.width, image.height);
      renderer!.uploadRows(texture, image.data, image.width, 0, image.height);
      held = { texture, width: image.width, height: image.height, affine: image.affine };
      textures.set(image, held);
    }
    return held;
  }

  function lut(image: LevelImage | undefined, within: Limits) {
    const { colourMap, scale, invert } = scene.settings.value;
    const wanted = paneLut(image, colourMap, scale, within, invert);
    let texture = luts.get(wanted.key);
    if (!texture) luts.set(wanted.key, (texture = renderer!.lutTexture(wanted.rgba())));
    return { texture, wanted };
  }

  /** Frame i as one pane (difference: A = the frame, B = its reference), and its colour lookup. */
  function paneOf(i: number, viewport: Viewport) {
    const image = frames.value[i];
    const j = reference(i);
    const within = limits.value;
    const colours = lut(j < 0 ? image : undefined, within);
    const pane: Omit<PaneDraw, 'x' | 'y' | 'width' | 'height'> = {
      mode: j < 0 ? 'single' : 'difference',
      viewport,
      a: gpu(image),
      b: j < 0 ? undefined : gpu(frames.value[j]),
      limitsA: within,
      lut: colours.texture,
    };
    return { pane, colours: colours.wanted };
  }

  function draw(): void {
    const element = canvas.value;
    if (!renderer || !element || !frames.value[index.value]) return;
    try {
      const { pane } = paneOf(index.value, scene.view.value);
      renderer.draw(
        [{ ...pane, x: 0, y: 0, width: element.width, height: element.height }],
        window.devicePixelRatio || 1,
      );
    } catch (failure) {
      error.value = (failure as Error).message;
    }
  }

  /** The next (or previous) frame of this mode's order, wrapping round. */
  function step(by: number): void {
    const list = order.value;
    if (!list.length) return;
    const at = Math.max(0, list.indexOf(index.value));
    index.value = list[(((at + by) % list.length) + list.length) % list.length];
    draw();
  }
  function goTo(i: number): void {
    const list = order.value;
    if (!list.length) return;
    index.value = list.includes(i) ? i : list[0];
    draw();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  function tick(): void {
    timer = setTimeout(
      () => {
        step(1);
        if (playing.value) tick();
      },
      1000 / Math.max(0.1, fps.value),
    );
  }
  function play(): void {
    if (playing.value || order.value.length < 2) return;
    playing.value = true;
    tick();
  }
  function stop(): void {
    playing.value = false;
    clearTimeout(timer);
  }

  /** What frame i is, for the picture: level, channel, T_OBS, exposure, and what was subtracted. */
  function caption(i: number): string {
    const image = frames.value[i];
    const time = series.value[i]?.time;
    const j = reference(i);
    const minus =
      j < 0
        ? ''
        : ` − ${mode.value === 'running' ? 'previous' : `base ${formatObsTime(series.value[j].time)}`}`;
    return exportCaption(LEVEL_NAMES[image.level], image.label, time && formatObsTime(time) + minus);
  }

  /**
   * The movie as WebM: each frame of this mode's order drawn at the preview's resolution (the whole
   * Sun, north up, at least EXPORT_MIN_WIDTH across) with caption and colour bar, encoded (WebCodecs,
   * VP9 or VP8) at exactly 1/fps s per frame, faster than real time, and downloaded.
   */
  async function exportWebm(): Promise<{ frames: number; seconds: number; bytes: number } | undefined> {
    stop();
    const list = order.value;
    if (!renderer || !list.length) return undefined;
    exporting.value = true;
    exported.value = '';
    error.value = '';
    try {
      const first = frames.value[list[0]];
      const width = 2 * Math.round(Math.max(EXPORT_MIN_WIDTH, first.width) / 2);
      const height = 2 * Math.round((width * first.height) / first.width / 2);
      const picture = (i: number) => {
        const image = frames.value[i];
        const [cx, cy] = applyAffine(
          invertAffine(image.affine),
          (image.width - 1) / 2,
          (image.height - 1) / 2,
        );
        const viewport = { cx, cy, arcsecPerPixel: (Math.abs(image.wcs.cdelt1) * image.width) / width };
        const { pane, colours } = paneOf(i, viewport);
        const rgba = renderer!.renderOffscreen(pane, width, height);
        const { unit } = image.label;
        return composeExport([
          { rgba, width, height, caption: caption(i), lut: colours.rgba(), limits: limits.value, unit },
        ]);
      };
      const frameMs = 1000 / Math.max(0.1, fps.value);
      const encoded = await encodeFrames(
        list.map((i) => () => picture(i)),
        frameMs,
      );
      const bytes = webmFile(
        encoded.codec,
        encoded.width,
        encoded.height,
        encoded.frames,
        list.length * frameMs,
      );
      const blob = new Blob([bytes], { type: 'video/webm' });
      const start = series.value[list[0]];
      const stamp = start.time.replace(/[-:]/g, '').replace(/\.\d*/, '');
      const name = `aia-studio-${start.channel}A-lev${first.level}-${stamp}-${mode.value}.webm`;
      const link = document.createElement('a');
      link.download = name;
      link.href = URL.createObjectURL(blob);
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      const made = { frames: list.length, seconds: (list.length * frameMs) / 1000, bytes: blob.size };
      exported.value = `Exported ${made.frames} frames at ${fps.value} fps (${made.seconds.toFixed(1)} s, ${Math.ceil(made.bytes / 1024)} kB): ${name}`;
      return made;
    } catch (failure) {
      error.value = `Export failed: ${(failure as Error).message}`;
      return undefined;
    } finally {
      exporting.value = false;
    }
  }

  watch([open, series, level], () => (open.value ? void load() : stop()));
  watch([mode, base, fps, scene.view, scene.settings, limits], () => draw(), { deep: true });
  watch(mode, () => {
    typed.value = undefined;
    goTo(index.value);
  });
  onBeforeUnmount(() => {
    stop();
    for (const t of textures.values()) renderer?.release(t.texture);
    for (const t of luts.values()) renderer?.release(t);
  });

  return {
    canvas,
    open,
    level,
    series,
    limits,
    /** The movie's own limits, typed; undefined: automatic again. */
    setLimits: (limits: Limits | undefined) => (typed.value = limits),
    colourBar,
    frames,
    loading,
    error,
    index,
    shown,
    playing,
    fps,
    mode,
    base,
    exporting,
    exported,
    order,
    draw,
    step,
    goTo,
    play,
    stop,
    toggle: () => (playing.value ? stop() : play()),
    exportWebm,
  };
}

export type SeriesMovie = ReturnType<typeof useSeriesMovie>;

/** Key frames this often, so a player can seek in a long movie. */
const KEY_EVERY = 30;

/**
 * Each picture (drawn when its turn comes, so a long movie is never all in memory as pictures) as
 * one VP9 frame (VP8 where VP9 cannot be encoded) of `frameMs`. WebCodecs needs a secure context:
 * the desktop app, or web mode on 127.0.0.1.
 */
async function encodeFrames(pictures: (() => HTMLCanvasElement)[], frameMs: number) {
  if (typeof VideoEncoder === 'undefined')
    throw new Error(
      'this browser has no video encoder (WebCodecs: the desktop app, or web mode at 127.0.0.1)',
    );
  const firstPicture = pictures[0]();
  const { width, height } = firstPicture;
  const options = [
    { codec: 'vp09.00.10.08', id: 'V_VP9' as const },
    { codec: 'vp8', id: 'V_VP8' as const },
  ];
  const bitrate = Math.max(2_000_000, width * height * 8);
  let chosen: (typeof options)[number] | undefined;
  for (const option of options)
    if ((await VideoEncoder.isConfigSupported({ codec: option.codec, width, height, bitrate })).supported) {
      chosen = option;
      break;
    }
  if (!chosen) throw new Error('this browser cannot encode VP9 or VP8 video');
  const frames: WebmFrame[] = [];
  let failure: Error | undefined;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      frames.push({ data, ms: chunk.timestamp / 1000, key: chunk.type === 'key' });
    },
    error: (e) => (failure = e),
  });
  encoder.configure({ codec: chosen.codec, width, height, bitrate, framerate: 1000 / frameMs });
  try {
    for (const [k, draw] of pictures.entries()) {
      const picture = k === 0 ? firstPicture : draw();
      const frame = new VideoFrame(picture, {
        timestamp: Math.round(k * frameMs * 1000),
        duration: Math.round(frameMs * 1000),
      });
      encoder.encode(frame, { keyFrame: k % KEY_EVERY === 0 });
      frame.close();
      if (encoder.encodeQueueSize > 4) await encoder.flush();
      if (failure) throw failure;
    }
    await encoder.flush();
    if (failure) throw failure;
  } finally {
    encoder.close();
  }
  return { codec: chosen.id, width, height, frames };
}
