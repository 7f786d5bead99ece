/** The messages between the page and the pixel worker (levelPixels.worker.ts). */

/** A binary command of the local server over HTTP, as the pixel worker fetches it itself (web mode). */
export interface HttpPixels {
  /** http://127.0.0.1:<port>/api/imagePreview or …/imagePixels */
  url: string;
  token?: string;
  request: unknown;
}

export interface PixelBlockOf {
  meta: unknown;
  pixels: Float32Array;
}

/** Page → worker: pixels to fetch (web mode), or pixels already here to work on (desktop IPC). */
export type PixelJob = { id: number } & ({ fetch: HttpPixels } | { block: PixelBlockOf });

/** Worker → page: the block and the sorted sample of its finite pixels (clipLimits.sortedSample). */
export type PixelReply =
  | { id: number; block: PixelBlockOf; sorted: Float32Array; error?: undefined }
  | { id: number; error: string };
