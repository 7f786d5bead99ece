/**
 * Developer-mode GPU capture (`?capture=1`, AIA_STUDIO_GPU_CAPTURE in Node): Spector.js records the
 * WebGL2 commands of the first Richardson–Lucy iteration of each deconvolve, with their arguments
 * and state, as a capture JSON that Node writes to a file for Spector's viewer. WebGL2 only: Spector
 * does not read WebGPU.
 */
interface SpectorCapture {
  commands: unknown[];
}
interface Spector {
  captureContext(context: WebGL2RenderingContext, commandCount?: number, quickCapture?: boolean): void;
  stopCapture(): SpectorCapture | undefined;
}
type SpectorGlobal = { SPECTOR?: { Spector: new () => Spector } };

/** Loads spector.bundle.js (served beside the page when the spectorjs package is installed). */
export async function loadSpector(): Promise<Spector> {
  const script = document.createElement('script');
  script.src = 'spector.bundle.js';
  await new Promise<void>((done, failed) => {
    script.onload = () => done();
    script.onerror = () => failed(new Error('spector.bundle.js did not load (is spectorjs installed?)'));
    document.head.append(script);
  });
  const spector = (globalThis as SpectorGlobal).SPECTOR;
  if (!spector) throw new Error('spector.bundle.js defined no SPECTOR');
  return new spector.Spector();
}

/** Spector's own ceiling on a command-count capture. */
const MAX_COMMANDS = 10_000;

/** Captures what runs between start and stop on one context. */
export class IterationCapture {
  constructor(
    private readonly spector: Spector,
    private readonly gl: WebGL2RenderingContext,
  ) {}

  start(): void {
    // A command count starts the capture at once (0 would wait for the next animation frame, which a
    // compute page never draws); stop() ends it earlier. Quick capture: no thumbnails, so Spector reads
    // no pixels back itself.
    this.spector.captureContext(this.gl, MAX_COMMANDS, true);
  }

  stop(): SpectorCapture | undefined {
    return this.spector.stopCapture();
  }
}
