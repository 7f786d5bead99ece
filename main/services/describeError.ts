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
  if (isBadInput(error)) return error.reason;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'internal';
}

/**
 * Whether the file itself (or its output's place) is the problem: not a FITS file, not a usable AIA
 * level 1 image, an output that belongs to another file. Trying again cannot help (the cluster fails
 * such a job at once); a system error (a disk full, a share away, a lost backend) may pass.
 */
export function isBadInput(
  error: unknown,
): error is FitsFormatError | InputRejectedError | OutputCollisionError {
  return (
    error instanceof FitsFormatError ||
    error instanceof InputRejectedError ||
    error instanceof OutputCollisionError
  );
}

/** A bad input fails the same way each time, so it is offered no retry; anything else may pass later. */
export function failureKind(error: unknown): FailureKind {
  return isBadInput(error) ? 'permanent' : 'transient';
}

/** The services' answer to a retry of a permanent failure: why not, and what to do instead. */
export function permanentRefusal(job: Job): string {
  return (
    `${job.input.path} cannot succeed on a retry: ${job.error ?? 'the file was refused'}. ` +
    'Fix or replace the file and add it again (a changed file is queued as a new job)'
  );
}
