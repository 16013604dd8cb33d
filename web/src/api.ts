import type { DecisionAnswer, HelloView } from '../../src/present/dashboard-view';

/**
 * The page's calls to its server's /ui API. The session travels in HttpOnly cookies the page
 * cannot read; every write carries the session's CSRF token (from the stream's `hello`).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', url: string, options: { body?: unknown; csrf?: string } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as T & { message?: string }) : undefined;
  if (!res.ok) throw new ApiError(res.status, data?.message ?? `the server answered ${res.status}`);
  return data as T;
}

/** The current session, or undefined when nobody is logged in. */
export async function currentSession(): Promise<HelloView | undefined> {
  try {
    return await call<HelloView>('GET', '/ui/session');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

export function logIn(email: string, password: string): Promise<HelloView> {
  return call<HelloView>('POST', '/ui/login', { body: { email, password } });
}

export async function logOut(csrf: string): Promise<void> {
  await call<void>('POST', '/ui/logout', { csrf });
}

/** Approve or deny a request; a refusal comes back as `ok: false` with the command layer's words. */
export async function decide(
  id: string,
  decision: 'approve' | 'deny',
  csrf: string,
): Promise<{ ok: boolean; message: string }> {
  try {
    const answer = await call<DecisionAnswer>('POST', `/ui/approvals/${encodeURIComponent(id)}/${decision}`, { csrf });
    return { ok: true, message: answer.message };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
