import { isAbsolute } from 'node:path';
import type { CommandName } from '../main/services/appContract.js';
import { IMAGE_LEVELS } from '../main/services/imageAccess.js';
import type { JobRecipe } from '../main/services/jobRecipe.js';
import { FINISHED_STATES, JOB_STATES } from '../main/services/jobRecords.js';

/**
 * The shape of every request a window may send, checked in the main process before it reaches the
 * services: a compromised or buggy page can only send well-formed requests naming absolute local
 * paths. The services still check the meaning (a recipe's values, a job's existence); this layer
 * refuses what no honest page sends (relative paths, URLs, NUL bytes, unknown keys, huge arrays).
 */
type Check = (value: unknown, at: string) => void;

export class RequestShapeError extends Error {
  override name = 'RequestShapeError';
}

const MAX_INPUTS = 100_000;
const MAX_TEXT = 4096;

const fail = (at: string, expected: string): never => {
  throw new RequestShapeError(`${at} must be ${expected}`);
};

const text: Check = (v, at) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) fail(at, 'a non-empty string');
};

/** An absolute local path: no URL, no relative path (resolved against who knows which folder), no NUL. */
const localPath: Check = (v, at) => {
  const path = typeof v === 'string' ? v : '';
  if (
    path.length === 0 ||
    path.length > MAX_TEXT ||
    path.includes('\0') ||
    /^[a-z][a-z0-9+.-]+:\/\//i.test(path) ||
    !isAbsolute(path)
  )
    fail(at, 'an absolute path on this computer');
};

const finite: Check = (v, at) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, 'a number');
};
const count: Check = (v, at) => {
  if (!Number.isInteger(v) || (v as number) < 0) fail(at, 'a whole number ≥ 0');
};
const flag: Check = (v, at) => {
  if (typeof v !== 'boolean') fail(at, 'true or false');
};
const oneOf =
  (allowed: readonly string[]): Check =>
  (v, at) => {
    if (!allowed.includes(v as string)) fail(at, `one of ${allowed.join(', ')}`);
  };
const listOf =
  (item: Check, max: number): Check =>
  (v, at) => {
    if (!Array.isArray(v) || v.length > max) fail(at, `a list of at most ${max}`);
    (v as unknown[]).forEach((x, i) => item(x, `${at}[${i}]`));
  };
const anything: Check = () => undefined;

/** A plain object with only the named keys; required keys must be there. */
function object(fields: Record<string, Check>, required: string[] = []): Check {
  return (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at || 'the request', 'an object');
    const record = v as Record<string, unknown>;
    const name = (key: string) => (at ? `${at}.${key}` : key);
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(fields, key)) fail(name(key), 'left out (unknown option)');
      if (record[key] !== undefined) fields[key](record[key], name(key));
    }
    for (const key of required) if (record[key] === undefined) fail(name(key), 'given');
  };
}

/** Recipe values are the services' to judge (normaliseRecipe); here only its keys and its paths. */
const recipe = object({
  levels: listOf(text, 4),
  mode: text,
  interpolation: text,
  missing: anything,
  normalizeExposure: flag,
  format: text,
  pointingTablePath: localPath,
  iterations: anything,
  deconvolutionPrecision: text,
  outputDir: localPath,
  backend: text,
} satisfies Record<keyof JobRecipe, Check>);

const id = object({ id: text }, ['id']);
const none = object({});
const imageRef: Record<string, Check> = { jobId: text, level: oneOf(IMAGE_LEVELS), path: localPath };
const region = object({ x: count, y: count, width: count, height: count }, ['x', 'y', 'width', 'height']);

/** One check per command; `satisfies` makes a new command of the contract fail to compile until checked. */
export const REQUEST_CHECKS = {
  submitBatch: object({ inputs: listOf(localPath, MAX_INPUTS), recipe, priority: finite, recursive: flag }, [
    'inputs',
    'recipe',
  ]),
  listJobs: object({
    states: listOf(oneOf(JOB_STATES), JOB_STATES.length),
    source: text,
    offset: count,
    limit: count,
  }),
  getJob: id,
  jobMetrics: id,
  pauseQueue: none,
  resumeQueue: none,
  cancelJob: id,
  retryJob: id,
  setJobPriority: object({ id: text, priority: finite }, ['id', 'priority']),
  clearFinished: object({
    states: listOf(oneOf(FINISHED_STATES), FINISHED_STATES.length),
    source: text,
  }),
  listWatchFolders: none,
  addWatchFolder: object({ dir: localPath, recursive: flag, recipe, priority: finite }, ['dir', 'recipe']),
  removeWatchFolder: id,
  getSettings: none,
  updateSettings: object({
    threads: count,
    imagesInFlight: count,
    cacheDir: localPath,
    defaultRecipe: recipe,
  }),
  imageInfo: object(imageRef),
  imagePreview: object({ ...imageRef, maxSize: count }),
  imagePixels: object({ ...imageRef, region }),
  listFolder: object({ path: localPath }),
  benchHistory: none,
} satisfies Record<CommandName, Check>;

/** Throws a RequestShapeError naming the first thing wrong with the request. */
export function checkRequest(command: CommandName, request: unknown): void {
  REQUEST_CHECKS[command](request, '');
}
