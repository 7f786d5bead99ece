import { ImageRenderer, type GpuImage, type PaneDraw } from './imageRenderer.js';
import type { FromPaneWorker, PaneRequest, ToPaneWorker } from './paneRendererProtocol.js';

/**
 * Compare's panes drawn off the page's thread, on the canvas the page handed over: every WebGL call
 * that waits on the GPU process (making the context, its drawing buffer at each resize, the shaders'
 * link, texture copies) holds this worker instead of the page. It keeps the textures, by the ids the
 * page gave them; a draw asked for before the shaders are linked is drawn once they are.
 */
let renderer: ImageRenderer | undefined;
let failure: string | undefined;
const images = new Map<number, GpuImage>();
const luts = new Map<string, WebGLTexture>();
/** The newest draw not yet done (only the newest matters), and whether a frame waits for the link. */
let wanted: Extract<ToPaneWorker, { type: 'draw' }> | undefined;
let waitingForLink = false;
/** Whether a draw's end is watched for, and the newest drawn since (answered after it). */
let watching = false;
let drawnSince: { seq: number; started: number } | undefined;

const post = (message: FromPaneWorker, transfer: Transferable[] = []) =>
  self.postMessage(message, { transfer });

self.onmessage = ({ data }: MessageEvent<ToPaneWorker>) => {
  if (failure !== undefined) {
    if (data.type === 'export') post({ type: 'exported', request: data.request, error: failure });
    return;
  }
  try {
    act(data);
  } catch (error) {
    if (data.type === 'export')
      post({ type: 'exported', request: data.request, error: (error as Error).message });
    else fail(error);
  }
};

function act(message: ToPaneWorker): void {
  if (message.type === 'start') {
    renderer = new ImageRenderer(message.canvas);
    return;
  }
  const gl = renderer!;
  switch (message.type) {
    case 'allocate': {
      const { id, width, height, affine } = message;
      images.set(id, { texture: gl.allocate(width, height), width, height, affine });
      return;
    }
    case 'rows': {
      const image = images.get(message.id)!;
      gl.uploadRows(image.texture, message.band, image.width, message.y, message.rows);
      gl.whenFinished(() => post({ type: 'rows', id: message.id }));
      return;
    }
    case 'release':
      gl.release(images.get(message.id)!.texture);
      images.delete(message.id);
      return;
    case 'lut':
      luts.set(message.key, gl.lutTexture(message.rgba));
      return;
    case 'draw':
      wanted = message;
      drawWanted();
      return;
    case 'export': {
      const { width, height } = message.pane;
      const rgba = gl.renderOffscreen(paneDraw(message.pane), width, height);
      post({ type: 'exported', request: message.request, rgba }, [rgba.buffer]);
      return;
    }
  }
}

function paneDraw(p: PaneRequest): PaneDraw {
  const image = (id: number) => {
    const held = images.get(id);
    if (!held) throw new Error(`the pane worker holds no image ${id}`);
    return held;
  };
  return { ...p, a: image(p.a), b: p.b === undefined ? undefined : image(p.b), lut: luts.get(p.lut)! };
}

function drawWanted(): void {
  const gl = renderer;
  if (!gl || !wanted || waitingForLink) return;
  try {
    if (!gl.ready()) {
      waitingForLink = true;
      gl.whenFinished(() => {
        waitingForLink = false;
        drawWanted();
      });
      return;
    }
    const { seq, width, height, ratio, panes } = wanted;
    wanted = undefined;
    // A canvas given a size, even its own, makes a new drawing buffer: only when it changed.
    if (gl.canvas.width !== width || gl.canvas.height !== height) {
      gl.canvas.width = width;
      gl.canvas.height = height;
    }
    const started = performance.now();
    gl.draw(panes.map(paneDraw), ratio);
    if (!watching) answerWhenDone(gl, seq, started);
    else drawnSince = { seq, started };
  } catch (error) {
    fail(error);
  }
}

/**
 * Answers draw `seq` in the animation frame in which the GPU is seen done with it; one watched at a
 * time: the newest drawn meanwhile is watched next (the GPU does them in order).
 */
function answerWhenDone(gl: ImageRenderer, seq: number, started: number): void {
  watching = true;
  gl.whenFinished(() => {
    watching = false;
    post({ type: 'frame', seq, ms: performance.now() - started });
    const next = drawnSince;
    drawnSince = undefined;
    if (next) answerWhenDone(gl, next.seq, next.started);
  });
}

function fail(error: unknown): void {
  failure = (error as Error).message;
  post({ type: 'failed', message: failure });
}
