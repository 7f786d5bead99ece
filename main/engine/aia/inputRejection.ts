/**
 * Why an input file cannot be processed. Each reason maps to one clear sentence for the user;
 * the batch carries on with the other files.
 */
export type RejectionReason =
  | 'not-aia'
  | 'not-level-1'
  | 'not-full-disk'
  | 'missing-keyword'
  | 'implausible-keyword'
  | 'unsupported-shape'
  | 'no-psf-model';

export class InputRejectedError extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'InputRejectedError';
  }
}
