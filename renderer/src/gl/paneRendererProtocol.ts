import type { PaneDraw } from './imageRenderer.js';

/** A pane as the page asks the worker to draw it: images by the id they were uploaded under, the lookup by key. */
export type PaneRequest = Omit<PaneDraw, 'a' | 'b' | 'lut'> & { a: number; b?: number; lut: string };

/** The page to the pane worker, in the order it must act on them. */
export type ToPaneWorker =
  | { type: 'start'; canvas: OffscreenCanvas }
  | { type: 'allocate'; id: number; width: number; height: number; affine: readonly number[] }
  /** Rows [y, y + rows) of image `id`; answered by `rows` once the GPU has taken them. */
  | { type: 'rows'; id: number; y: number; rows: number; band: Float32Array }
  | { type: 'release'; id: number }
  | { type: 'lut'; key: string; rgba: Uint8Array }
  /** The canvas's size in device pixels and what to draw on it; `seq` counts the page's draws. */
  | { type: 'draw'; seq: number; width: number; height: number; ratio: number; panes: PaneRequest[] }
  | { type: 'export'; request: number; pane: PaneRequest };

/** The pane worker to the page. */
export type FromPaneWorker =
  | { type: 'rows'; id: number }
  /**
   * Draw `seq` is on the canvas (the GPU is done with it): its time to then. Every draw is answered,
   * or passed over for a newer one, which is then answered.
   */
  | { type: 'frame'; seq: number; ms: number }
  | { type: 'exported'; request: number; rgba: Uint8Array }
  | { type: 'exported'; request: number; error: string }
  /** The renderer cannot go on (no WebGL2, the shaders did not link): it draws nothing more. */
  | { type: 'failed'; message: string };
