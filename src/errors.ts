/**
 * One error base for the whole service: a stable `code` that tests and callers match on,
 * an optional `cause`, and a `userMessage` that is safe to show in chat (never a stack trace).
 */
export type ErrorCode =
  | 'config_invalid'
  | 'bad_request'
  | 'not_found'
  | 'forbidden'
  | 'unauthorized'
  | 'conflict'
  | 'unavailable'
  | 'job_unrecoverable'
  | 'job_cancelled'
  | 'internal'
  | PlatformErrorCode;

declare const platformCode: unique symbol;

/**
 * A code an outside platform named, not one of ours: a chat API's `channel_not_found` carried by
 * ChatApiError (src/ports/chat.ts). Branded, so a plain string is not taken for one of our codes.
 */
export type PlatformErrorCode = string & { readonly [platformCode]: true };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; userMessage?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = options.userMessage ?? message;
  }
}

/** Bad input or a policy refusal inside a job: the queue must not retry it. */
export class UnrecoverableJobError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('job_unrecoverable', message, options);
    this.name = 'UnrecoverableJobError';
  }
}

/** Normalise anything thrown into an AppError; unknown errors get a generic user message. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('internal', message, {
    cause: err,
    userMessage: 'Something went wrong on our side; the details are in the logs.',
  });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
