import type { FailureKind, Job } from '../contract/index.js';
import { InputRejectedError } from '../engine/aia/inputRejection.js';
import { FitsFormatError } from '../engine/fits/index.js';
import { OutputCollisionError } from './outputOwnership.js';

/** One line a scientist can act on, whatever went wrong with a file. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const path = (error as NodeJS.ErrnoException).path;
  switch (code) {
    case 'ENOENT':
      return `no such file or folder: ${path ?? ''}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${path ?? ''}`;
    case 'EISDIR':
      return `is a folder, not a file: ${path ?? ''}`;
    case 'ELOOP':
      return `a loop of symbolic links, which leads to no file: ${path ?? ''}`;
    case 'ENOTDIR':
      return `a path component is a file, not a folder: ${path ?? ''}`;
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full: output not written';
    case 'EFBIG':
      return 'the file is larger than this system allows: output not written';
    case 'EROFS':
      return `read-only file system: cannot write ${path ?? ''}`;
    default:
      return error.message;
  }
}

/**
 * A short machine-readable kind for the UI to group failures by: the FITS or AIA rejection reason, the
 * system error code, or 'internal' for anything else (a bug to report).
 */
export function errorKind(error: unknown): string {
  if (
    error instanceof FitsFormatError ||
    error instanceof InputRejectedError ||
    error instanceof OutputCollisionError
  )
    return error.reason;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'internal';
}

/**
 * Whether running the job again can succeed: the input itself refused (its bytes are not FITS, are
 * damaged, hold no AIA level 1 frame, or not one the recipe's levels can be made of) fails the same way
 * each time; anything else (the disk, permissions, an output collision, a lost backend) may pass later.
 */
export function failureKind(error: unknown): FailureKind {
  return error instanceof FitsFormatError || error instanceof InputRejectedError ? 'permanent' : 'transient';
}

/** The services' answer to a retry of a permanent failure: why not, and what to do instead. */
export function permanentRefusal(job: Job): string {
  return (
    `${job.input.path} cannot succeed on a retry: ${job.error ?? 'the file was refused'}. ` +
    'Fix or replace the file and add it again (a changed file is queued as a new job)'
  );
}
