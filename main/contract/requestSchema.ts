import { COMMANDS, isCommandName, type CommandName, type CommandRequest } from './commands.js';
import { FINISHED_STATES, IMAGE_LEVELS, JOB_STATES, RUN_JOBS_ON, type JobRecipe } from './domain.js';
import { invalidRequest, type Failure } from './errors.js';

/**
 * The shape of every request, checked by every transport (IPC, HTTP, WebSocket, the services'
 * dispatch) before a handler runs: a buggy script or a compromised page can only send well-formed
 * requests naming absolute local paths. The services still judge the meaning (a recipe's values, a
 * job's existence); this layer refuses what no honest caller sends (relative paths, URLs, NUL bytes,
 * unknown keys, wrong types, huge strings or lists).
 */
type Check = (value: unknown, at: string) => void;

class RequestShapeError extends Error {}

const MAX_INPUTS = 100_000;
const MAX_TEXT = 4096;
/** Paths the Batch view checks at once (it adds a few at a time; a folder counts as one). */
const MAX_INSPECTED = 1000;

const fail = (at: string, expected: string): never => {
  throw new RequestShapeError(`${at} must be ${expected}`);
};

const text: Check = (v, at) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT)
    fail(at, `a non-empty string of at most ${MAX_TEXT} characters`);
};

/** POSIX '/…', Windows 'C:\…' or 'C:/…', or a UNC '\\server\…': no import of node:path, so the page can run it. */
const isAbsolutePath = (path: string): boolean =>
  path.startsWith('/') || /^[a-z]:[\\/]/i.test(path) || path.startsWith('\\\\');

/** `~` or `~/…`: from the home folder of the services' user, which the services expand (homePath.ts). */
const isHomePath = (path: string): boolean => path === '~' || path.startsWith('~/');

/**
 * An absolute local path: no URL, no relative path (resolved against who knows which folder), no NUL.
 * With `homeRelative`, a path from the home folder too, as users type it in the Batch view.
 */
const pathOnThisComputer =
  (homeRelative: boolean): Check =>
  (v, at) => {
    const path = typeof v === 'string' ? v : '';
    if (
      path.length === 0 ||
      path.length > MAX_TEXT ||
      path.includes('\0') ||
      /^[a-z][a-z0-9+.-]+:\/\//i.test(path) ||
      !(isAbsolutePath(path) || (homeRelative && isHomePath(path)))
    )
      fail(
        at,
        homeRelative
          ? 'an absolute path on this computer, or one from ~/'
          : 'an absolute path on this computer',
      );
  };
const localPath = pathOnThisComputer(false);
/** A path the user typed: batch inputs and a recipe's files. */
const typedPath = pathOnThisComputer(true);

const finite: Check = (v, at) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, 'a number');
};
const count: Check = (v, at) => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(at, 'a whole number ≥ 0');
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
/** A cluster's Redis: redis://HOST:PORT or rediss://… (the services check that it answers). */
const redisUrl: Check = (v, at) => {
  text(v, at);
  if (!/^rediss?:\/\/[^\s/]+/i.test(v as string) || /[\s\0]/.test(v as string))
    fail(at, 'a Redis URL: redis://HOST:PORT or rediss://HOST:PORT');
};
/** A pixel value for missing data: a number, or 'NaN' (JSON has no NaN). */
const missingValue: Check = (v, at) => {
  if (v !== 'NaN') finite(v, at);
};

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

/** Recipe values are the services' to judge (normaliseRecipe); here only its keys, types and paths. */
const recipe = object({
  levels: listOf(text, 4),
  mode: text,
  interpolation: text,
  missing: missingValue,
  normalizeExposure: flag,
  format: text,
  pointingTablePath: typedPath,
  iterations: finite,
  deconvolutionPrecision: text,
  outputDir: typedPath,
  backend: text,
} satisfies Record<keyof JobRecipe, Check>);

const id = object({ id: text }, ['id']);
const none = object({});
const region = object({ x: count, y: count, width: count, height: count }, ['x', 'y', 'width', 'height']);

/** An ImageRef (a job's image at a level, or a file by path) with the command's own options. */
function imageRef(options: Record<string, Check> = {}, required: string[] = []): Check {
  const shape = object({ jobId: text, level: oneOf(IMAGE_LEVELS), path: localPath, ...options }, required);
  return (v, at) => {
    shape(v, at);
    const ref = v as { jobId?: unknown; level?: unknown; path?: unknown };
    const [job, level, path] = [ref.jobId !== undefined, ref.level !== undefined, ref.path !== undefined];
    if (!(job && level && !path) && !(path && !job && !level))
      fail('the request', 'an image: a path, or a jobId and a level');
  };
}

/** One check per command; `satisfies` makes a new command of the contract fail to compile until checked. */
const REQUEST_CHECKS = {
  submitBatch: object({ inputs: listOf(typedPath, MAX_INPUTS), recipe, priority: finite, recursive: flag }, [
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
  addWatchFolder: object({ dir: typedPath, recursive: flag, recipe, priority: finite }, ['dir', 'recipe']),
  removeWatchFolder: id,
  pauseWatchFolder: id,
  resumeWatchFolder: id,
  getSettings: none,
  updateSettings: object({
    threads: count,
    imagesInFlight: count,
    cacheDir: localPath,
    runJobsOn: oneOf(RUN_JOBS_ON),
    clusterUrl: redisUrl,
    defaultRecipe: recipe,
  }),
  imageInfo: imageRef(),
  imagePreview: imageRef({ maxSize: count }),
  imagePixels: imageRef({ region }),
  inspectInputs: object(
    { paths: listOf(typedPath, MAX_INSPECTED), recursive: flag, normalizeExposure: flag },
    ['paths'],
  ),
  writeCutout: imageRef({ region, outputDir: localPath }, ['region']),
  fitsCutout: imageRef({ region }, ['region']),
  listFolder: object({ path: localPath }),
  benchHistory: none,
  listQa: none,
  listWorkers: none,
} satisfies Record<CommandName, Check>;

/** A request that passed: its command and its request, typed. */
export type ValidRequest = {
  [K in CommandName]: { ok: true; command: K; request: CommandRequest<K> };
}[CommandName];

/**
 * THE door every transport calls before a handler runs: a known command and a well-formed request
 * (absent means {}), or an 'invalid-request' reply naming the first thing wrong.
 */
export function validateRequest(command: unknown, request: unknown): ValidRequest | Failure {
  if (!isCommandName(command)) {
    const shown = typeof command === 'string' ? command.slice(0, 64) : String(command);
    return invalidRequest(`unknown command '${shown}' (known: ${Object.keys(COMMANDS).join(', ')})`);
  }
  const body = request === undefined ? {} : request;
  try {
    REQUEST_CHECKS[command](body, '');
  } catch (error) {
    if (error instanceof RequestShapeError) return invalidRequest(error.message);
    throw error;
  }
  return { ok: true, command, request: body } as ValidRequest;
}
