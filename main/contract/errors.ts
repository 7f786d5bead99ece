/**
 * How a failure travels: every transport answers with the Reply envelope, so a failure is data, not a
 * transport error, and its `kind` reaches the UI whichever door the request took.
 *
 * Kinds: 'invalid-request' (the caller got it wrong: a malformed request, an unknown job, a bad
 * recipe), 'closed' (the connection to the app went away), 'internal' (a bug to report), or the
 * reason a file was refused (a FITS or AIA rejection reason, a system error code such as 'ENOENT').
 */
export type ErrorKind = 'invalid-request' | 'closed' | 'internal' | (string & {});

export interface ReplyError {
  message: string;
  kind: ErrorKind;
}

export type Failure = { ok: false; error: ReplyError };
export type Reply<T> = { ok: true; result: T } | Failure;

/** A command the caller got wrong (malformed, unknown job, bad recipe): its message is shown as is. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** A failed command as the typed client throws it: the services' sentence and its kind. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly kind: ErrorKind,
  ) {
    super(message);
  }
}

export const invalidRequest = (message: string): Failure => ({
  ok: false,
  error: { message, kind: 'invalid-request' },
});
