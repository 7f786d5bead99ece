import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { InputCheck } from '../contract/index.js';
import { checkInputHeaders, type InputHeaderCheck } from '../engine/pipeline/inputCheck.js';
import { collectInputs } from './collectInputs.js';
import { describeError, errorKind } from './describeError.js';
import { expandHome } from './homePath.js';

/**
 * A folder's files checked when it is added: a few thousand headers take seconds; beyond that the
 * rest are checked as they run (and the verdict says how many were looked at).
 */
const MOST_CHECKED_PER_FOLDER = 2000;
/** Headers read at once: enough to hide a disk's latency, few enough to leave file handles to the rest. */
const AT_ONCE = 8;

export interface InspectOptions {
  recursive?: boolean;
  normalizeExposure?: boolean;
}

/**
 * Each batch input's verdict before it is queued: a missing or unreadable path, a file that is not
 * FITS or not AIA level 1, a header no frame has, are refused with processing's own sentence; a file
 * that passes says its observation and whether it can have level 1.6; a folder counts its files.
 */
export async function inspectInputs(paths: string[], options: InspectOptions = {}): Promise<InputCheck[]> {
  const checks: InputCheck[] = [];
  for (const path of paths) checks.push(await inspect(path, options));
  return checks;
}

async function inspect(path: string, options: InspectOptions): Promise<InputCheck> {
  const resolved = resolve(expandHome(path));
  const header = { normalizeExposure: options.normalizeExposure ?? false };
  let isFolder: boolean;
  try {
    isFolder = (await stat(resolved)).isDirectory();
  } catch (error) {
    return { path, resolved, kind: 'file', refused: refusal(error) };
  }
  if (!isFolder) {
    const [verdict] = await checkFiles([resolved], header);
    return 'refused' in verdict
      ? { path, resolved, kind: 'file', refused: verdict.refused }
      : { path, resolved, kind: 'file', file: fileVerdict(verdict.size, verdict.check) };
  }
  let files: string[];
  try {
    files = await collectInputs([resolved], options.recursive ?? false);
  } catch (error) {
    return { path, resolved, kind: 'folder', refused: refusal(error) };
  }
  const verdicts = await checkFiles(files.slice(0, MOST_CHECKED_PER_FOLDER), header);
  const refused = verdicts.flatMap((v, i) => ('refused' in v ? [{ path: files[i], ...v.refused }] : []));
  return {
    path,
    resolved,
    kind: 'folder',
    folder: {
      files: files.length,
      checked: verdicts.length,
      refused: refused.length,
      noLevel16: verdicts.filter((v) => 'check' in v && v.check.noLevel16 !== undefined).length,
      ...(refused[0] && { firstRefused: { path: refused[0].path, message: refused[0].message } }),
    },
  };
}

type FileVerdict = { size: number; check: InputHeaderCheck } | { refused: InputCheck['refused'] & object };

/** The files' headers checked, AT_ONCE at a time, in order. */
async function checkFiles(files: string[], options: { normalizeExposure: boolean }): Promise<FileVerdict[]> {
  const verdicts: FileVerdict[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      try {
        const [info, check] = await Promise.all([stat(files[i]), checkInputHeaders(files[i], options)]);
        verdicts[i] = { size: info.size, check };
      } catch (error) {
        verdicts[i] = { refused: refusal(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, files.length) }, worker));
  return verdicts;
}

function fileVerdict(size: number, check: InputHeaderCheck): InputCheck['file'] {
  const { channel, time, width, height, warnings, noLevel16 } = check;
  return {
    size,
    observation: { channel, time, width, height },
    warnings,
    ...(noLevel16 !== undefined && { noLevel16 }),
  };
}

const refusal = (error: unknown) => ({ message: describeError(error), kind: errorKind(error) });
