/**
 * The messages between the queue (JobThread) and its job thread (jobThreadWorker.ts), and the errors
 * they carry: an Error does not cross threads with its class and fields, and the queue tells failures
 * apart by them (describeError, errorKind), so each is sent as its parts and rebuilt.
 */
import type { JobRecipe } from '../contract/index.js';
import { InputRejectedError, type RejectionReason } from '../engine/aia/inputRejection.js';
import { FitsFormatError, type FitsErrorReason } from '../engine/fits/index.js';
import type { ProcessOutcome } from '../engine/pipeline/processFile.js';
import type { Stage, StageMetrics, StageProgress } from '../engine/pipeline/stageMetrics.js';

export interface JobThreadOptions {
  /** Threads of the thread's CPU backend, itself included. */
  threads?: number;
  /** The PSF cache folder. */
  cacheDir: string;
}

export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  reason?: string;
  code?: string;
  path?: string;
}

export type ToThread =
  | {
      type: 'run';
      run: number;
      input: string;
      recipe: JobRecipe;
      /** Whether the file's bytes follow (a 'bytes' or 'bytesFailed' message of this run). */
      preloaded: boolean;
      /** Int32 [0]: set to 1 when the job is cancelled, read by the thread between its steps. */
      cancel: SharedArrayBuffer;
    }
  | { type: 'bytes'; run: number; bytes: Uint8Array }
  | { type: 'bytesFailed'; run: number; error: ThreadError }
  | { type: 'cancel'; run: number };

export type FromThread =
  | { type: 'started'; run: number; stage: Stage }
  | { type: 'progress'; run: number; progress: StageProgress }
  | { type: 'finished'; run: number; stage: Stage; metrics: StageMetrics }
  /** The run's products are written; their flush goes on, and the thread may start the next run. */
  | { type: 'produced'; run: number }
  | { type: 'done'; run: number; outcome: ProcessOutcome }
  | { type: 'failed'; run: number; error: ThreadError };

export function threadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, path } = error as NodeJS.ErrnoException;
  const reason = (error as { reason?: unknown }).reason;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof path === 'string' ? { path } : {}),
  };
}

export function rebuildError(sent: ThreadError): Error {
  let error: Error;
  if (sent.name === 'FitsFormatError' && sent.reason)
    error = new FitsFormatError(sent.reason as FitsErrorReason, sent.message);
  else if (sent.name === 'InputRejectedError' && sent.reason)
    error = new InputRejectedError(sent.reason as RejectionReason, sent.message);
  else {
    error = new Error(sent.message);
    error.name = sent.name;
    Object.assign(error, {
      ...(sent.code ? { code: sent.code } : {}),
      ...(sent.path ? { path: sent.path } : {}),
    });
  }
  if (sent.stack) error.stack = sent.stack;
  return error;
}

/** What to transfer rather than copy with a message: the bytes' own buffer when they are all of it. */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const buffer = bytes.buffer;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength
    ? [buffer]
    : [];
}
