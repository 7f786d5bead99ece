/**
 * A worker thread of the tile decode pool: decodes bands of tile rows of one image into the shared
 * pixel array, with the same functions as readFitsImage, and reports the first band that failed.
 */
import { parentPort } from 'node:worker_threads';
import { FitsFormatError, type FitsErrorReason } from './errors.js';
import { iterateHdus, type HduLayout } from './hduLayout.js';
import type { RawPixels } from './pixels.js';
import { decodeTileRows, planTiledImage, type TiledImagePlan } from './tiledImage.js';

export interface BandJob {
  id: number;
  /** The whole file, on a SharedArrayBuffer. */
  bytes: Uint8Array;
  hdu: number;
  /** The image's pixels, on a SharedArrayBuffer. */
  out: RawPixels;
  /** [0]: the next band to take, shared by every worker of the job, so faster workers take more bands. */
  next: Int32Array;
  bands: number;
  rowsPerBand: number;
}

export interface BandFailure {
  band: number;
  name: string;
  /** Set when the error was a FitsFormatError. */
  reason?: FitsErrorReason;
  message: string;
}

export interface BandReply {
  id: number;
  failure?: BandFailure;
}

function hduAt(bytes: Uint8Array, index: number): HduLayout {
  for (const layout of iterateHdus(bytes)) if (layout.index === index) return layout;
  throw new Error(`HDU ${index} is not in the file`);
}

function decodeBands(job: BandJob): BandReply {
  let plan: TiledImagePlan | undefined;
  for (;;) {
    const band = Atomics.add(job.next, 0, 1);
    if (band >= job.bands) return { id: job.id };
    try {
      plan ??= planTiledImage(job.bytes, hduAt(job.bytes, job.hdu));
      const first = band * job.rowsPerBand;
      decodeTileRows(job.bytes, plan, job.out, first, Math.min(plan.tilesY, first + job.rowsPerBand));
    } catch (e) {
      // Bands are taken in order, so every band before this one is taken already and will report its
      // own failure; the bands after it cannot hold the image's first corrupt tile: nobody takes them.
      Atomics.store(job.next, 0, job.bands);
      const error = e instanceof Error ? e : new Error(String(e));
      const reason = error instanceof FitsFormatError ? { reason: error.reason } : {};
      return { id: job.id, failure: { band, name: error.name, ...reason, message: error.message } };
    }
  }
}

parentPort?.on('message', (job: BandJob) => parentPort?.postMessage(decodeBands(job)));
