/** The Kubernetes API's errors as AppErrors naming the deployment, and the cancellation messages. */
import { AppError, type ErrorCode } from '../../../errors';
import { where } from './rollout';
import type { KubernetesBinding } from './types';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'not_found';
  if (status === 403) return 'forbidden';
  if (status === 401) return 'unauthorized';
  if (status === 409) return 'conflict';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'bad_request';
}

/** The Status object's message from an ApiException body (a JSON string), if any. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length > 0 ? message.slice(0, 500) : undefined;
}

/**
 * Anything the client throws, as an AppError naming the deployment, the namespace and the
 * status. Duck-typed: under test runners the client may live in another realm.
 */
export function apiError(err: unknown, doing: string, b: KubernetesBinding, server: string | undefined): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as {
    code?: unknown;
    body?: unknown;
    name?: unknown;
    type?: unknown;
    errno?: unknown;
    message?: unknown;
  };
  if (typeof e.code === 'number') {
    const status = e.code;
    const reason = statusMessage(e.body);
    const text = `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
    return new AppError(
      codeForStatus(status),
      `Kubernetes refused to ${doing} ${where(b)} (${text})${reason ? `: ${reason}` : ''}.`,
      { cause: err },
    );
  }
  if (e.name === 'AbortError' || e.type === 'aborted') {
    return new AppError('job_cancelled', `Cancelled while trying to ${doing} ${where(b)}.`, { cause: err });
  }
  const sysCode = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined;
  const at = server ? ` at ${server}` : '';
  if (sysCode !== undefined || e.name === 'FetchError') {
    return new AppError(
      'unavailable',
      `Could not reach the Kubernetes API${at} to ${doing} ${where(b)} (${sysCode ?? 'network error'}).`,
      { cause: err },
    );
  }
  const message = typeof e.message === 'string' ? e.message.split('\n')[0] : String(err);
  return new AppError('internal', `Kubernetes call failed while trying to ${doing} ${where(b)}: ${message}`, {
    cause: err,
  });
}

export function cancelled(b: KubernetesBinding, wrote: boolean): AppError {
  return new AppError(
    'job_cancelled',
    wrote
      ? `Cancelled while waiting for the rollout of ${where(b)}; ` +
          'the change was already applied and the rollout continues in the cluster.'
      : `Cancelled before changing ${where(b)}; nothing was changed.`,
  );
}
