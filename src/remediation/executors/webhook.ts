/**
 * The webhook executor: one HTTP request to a job runner (Rundeck, AWX, Jenkins and the like).
 *
 * The body is the binding's JSON template with placeholders (params.ts) replaced in its string
 * leaves, after parsing: values are checked, then JSON-encoded by JSON.stringify, never pasted into
 * JSON text. A leaf that is exactly one placeholder keeps the value's type (`"{replicas}"` -> 3).
 *
 * Every attempt sends:
 *   content-type: application/json
 *   X-SmartCloudOps-Request-Id: <request id>      the receiver's idempotency key
 *   X-SmartCloudOps-Timestamp: <unix seconds>     when this attempt was signed
 *   X-SmartCloudOps-Signature: sha256=<hex>       only when the binding has a secret
 *
 * Verifying on the receiving side: take the raw request body bytes and the timestamp header,
 * compute HMAC-SHA256 with the shared secret over `<timestamp>.<body>` (the timestamp text, one
 * ".", the body exactly as received), hex-encode it, prepend "sha256=" and compare with the
 * signature header in constant time; refuse timestamps more than a few minutes from your clock,
 * and act at most once per request id (retries resend the same id and the same body).
 *
 * Credentials in the URL (https://user:pass@host/...) become a basic Authorization header. Redirects
 * are not followed (a redirect would carry the request and its signature elsewhere).
 *
 * Retries: up to `retries` extra attempts after a network error, a per-attempt timeout, 429 or 5xx,
 * waiting 100 ms, 200 ms, 400 ms … or what Retry-After asks, at most 10 s. Never after another 4xx.
 */
import { createHmac } from 'node:crypto';
import { AppError } from '../../errors';
import { systemClock, type Clock } from '../../clock';
import type { Binding, ExecuteOptions, ExecutionResult, Executor, Plan, RemediationRequest } from '../types';
import { checkValue, renderTyped } from './params';

export interface WebhookExecutorOptions {
  fetch?: typeof fetch;
  /** For the timestamp header. */
  clock?: Clock;
  /** How to wait between attempts; resolves early (without throwing) when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type WebhookBinding = Extract<Binding, { kind: 'webhook' }>;

export const BACKOFF_BASE_MS = 100;
export const MAX_WAIT_MS = 10_000;
const MAX_RETRIES = 10;
const EXCERPT_CHARS = 300;
/** How much of a response body is read at most. */
const READ_LIMIT_BYTES = 16 * 1024;

interface Prepared {
  binding: WebhookBinding;
  url: URL;
  /** The URL without credentials, query values hidden: what plans and messages show. */
  display: string;
  authorization?: string;
  body: string;
  bodyValue: unknown;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function displayUrl(url: URL): string {
  const shown = new URL(url.toString());
  shown.username = '';
  shown.password = '';
  shown.hash = '';
  for (const key of new Set(shown.searchParams.keys())) shown.searchParams.set(key, '***');
  return shown.toString();
}

function checkBinding(binding: Binding): WebhookBinding {
  if (binding.kind !== 'webhook')
    throw new AppError(
      'config_invalid',
      `The webhook executor got a "${binding.kind}" binding; bind this action with kind "webhook".`,
    );
  if (binding.method !== 'POST' && binding.method !== 'PUT')
    throw new AppError(
      'config_invalid',
      `A webhook binding's method must be POST or PUT, got ${JSON.stringify(binding.method)}.`,
    );
  if (typeof binding.body !== 'string')
    throw new AppError('config_invalid', 'A webhook binding needs "body": a JSON template (text).');
  if (!Number.isSafeInteger(binding.timeoutMs) || binding.timeoutMs <= 0)
    throw new AppError(
      'config_invalid',
      'A webhook binding needs "timeoutMs": a positive whole number of milliseconds.',
    );
  if (!Number.isSafeInteger(binding.retries) || binding.retries < 0 || binding.retries > MAX_RETRIES)
    throw new AppError(
      'config_invalid',
      `A webhook binding's "retries" must be a whole number from 0 to ${MAX_RETRIES}.`,
    );
  if (binding.secret !== undefined && (typeof binding.secret !== 'string' || binding.secret === ''))
    throw new AppError('config_invalid', 'A webhook binding\'s "secret" must be non-empty text when set.');
  return binding;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new AppError('config_invalid', 'A webhook binding\'s "url" is not a valid URL.', { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('config_invalid', `A webhook binding's "url" must be http(s), got "${url.protocol}".`);
  return url;
}

/** Replace placeholders in every string leaf of the parsed template; keys stay as written. */
function fill(node: unknown, request: RemediationRequest): unknown {
  if (typeof node === 'string') return renderTyped(node, request);
  if (Array.isArray(node)) return node.map((item) => fill(item, request));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      Object.defineProperty(out, key, {
        value: fill(value, request),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return node;
}

function prepare(request: RemediationRequest, raw: Binding): Prepared {
  const binding = checkBinding(raw);
  let template: unknown;
  try {
    template = JSON.parse(binding.body);
  } catch (err) {
    throw new AppError('config_invalid', `A webhook binding's "body" is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const bodyValue = fill(template, request);
  checkValue('target', request.target);
  if (typeof request.id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(request.id))
    throw new AppError(
      'bad_request',
      'The remediation request id must be 1-200 printable ASCII characters (it is sent as a header).',
    );
  const url = parseUrl(binding.url);
  let authorization: string | undefined;
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  url.hash = '';
  return { binding, url, display: displayUrl(url), authorization, body: JSON.stringify(bodyValue), bodyValue };
}

/** Unix seconds -> the headers of one attempt. */
function headersFor(p: Prepared, request: RemediationRequest, timestamp: number): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'smartcloudops',
    'x-smartcloudops-request-id': request.id,
    'x-smartcloudops-timestamp': String(timestamp),
  };
  if (p.binding.secret !== undefined) {
    headers['x-smartcloudops-signature'] =
      `sha256=${createHmac('sha256', p.binding.secret).update(`${timestamp}.${p.body}`).digest('hex')}`;
  }
  if (p.authorization) headers.authorization = p.authorization;
  return headers;
}

/** The first READ_LIMIT_BYTES of a body, as text with whitespace collapsed. */
async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < READ_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    if (size >= READ_LIMIT_BYTES) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/** Retry-After in milliseconds (seconds or an HTTP date), capped; undefined when absent or unreadable. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), MAX_WAIT_MS);
}

/** ECONNREFUSED, UND_ERR_SOCKET …: the useful part of undici's "fetch failed". */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** What the executor's calls use: fetch, the clock and the wait between attempts. */
type WebhookDeps = Required<WebhookExecutorOptions>;

async function plan(request: RemediationRequest, raw: Binding): Promise<Plan> {
  const p = prepare(request, raw);
  const headers = headersFor(p, request, 0);
  headers['x-smartcloudops-timestamp'] = '<unix seconds when sent>';
  if (headers['x-smartcloudops-signature'])
    headers['x-smartcloudops-signature'] = 'sha256=<HMAC-SHA256 of "<timestamp>.<body>" with the binding secret>';
  if (headers.authorization) headers.authorization = 'Basic ***';
  return {
    executor: 'webhook',
    calls: [`${p.binding.method} ${p.display} ${p.body}`],
    current: {},
    desired: { method: p.binding.method, url: p.display, headers, body: p.bodyValue },
    blastRadius: `whatever the job behind ${p.binding.method} ${p.url.host}${p.url.pathname} does to ${request.target}`,
  };
}

async function execute(
  { fetch: fetchFn, clock, sleep }: WebhookDeps,
  request: RemediationRequest,
  raw: Binding,
  execOptions: ExecuteOptions,
): Promise<ExecutionResult> {
  const p = prepare(request, raw);
  const { signal } = execOptions;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    throw reason instanceof AppError
      ? reason
      : new AppError('job_cancelled', 'Cancelled before the webhook was called.');
  }
  const what = `${p.binding.method} ${p.display}`;
  const total = p.binding.retries + 1;
  const cancelled = (attempts: number): ExecutionResult => {
    const reason: unknown = signal.reason;
    return {
      ok: false,
      summary:
        `${what} was cancelled${reason instanceof Error ? ` (${reason.message})` : ''}; ` +
        `the receiver may already have acted on request ${request.id}.`,
      detail: { cancelled: true, attempts, requestId: request.id },
    };
  };

  for (let attempt = 1; ; attempt += 1) {
    execOptions.progress(attempt === 1 ? `calling ${what}` : `calling ${what} (attempt ${attempt} of ${total})`);
    const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(p.binding.timeoutMs)]);
    let failure: string;
    let waitMs = BACKOFF_BASE_MS * 2 ** (attempt - 1);
    try {
      const res = await fetchFn(p.url, {
        method: p.binding.method,
        headers: headersFor(p, request, Math.floor(clock() / 1000)),
        body: p.body,
        signal: attemptSignal,
        redirect: 'manual',
      });
      // The status is the answer; a body that breaks off or is too slow only loses the excerpt.
      const excerpt = await readExcerpt(res).catch(() => '');
      const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      const detail = { status: res.status, attempts: attempt, requestId: request.id, body: excerpt };
      if (res.status >= 200 && res.status < 300)
        return { ok: true, summary: `${what} answered ${status}${excerpt ? `: ${excerpt}` : ''}`, detail };
      if (!retryable(res.status) || attempt >= total) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
        return { ok: false, summary: `${what} answered ${status}${tries}${excerpt ? `: ${excerpt}` : ''}`, detail };
      }
      failure = `answered ${status}`;
      waitMs = retryAfterMs(res.headers.get('retry-after'), clock()) ?? waitMs;
    } catch (err) {
      if (signal.aborted) return cancelled(attempt);
      failure = attemptSignal.aborted
        ? `timed out after ${formatMs(p.binding.timeoutMs)}`
        : `could not be reached (${networkReason(err)})`;
      if (attempt >= total) {
        return {
          ok: false,
          summary:
            `${what} ${failure}${attempt > 1 ? ` (${attempt} attempts)` : ''}; ` +
            `the receiver may or may not have acted on request ${request.id}.`,
          detail: { attempts: attempt, requestId: request.id, error: failure },
        };
      }
    }
    waitMs = Math.min(waitMs, MAX_WAIT_MS);
    execOptions.progress(`${what} ${failure}; retrying in ${formatMs(waitMs)}`);
    await sleep(waitMs, signal);
    if (signal.aborted) return cancelled(attempt);
  }
}

export function createWebhookExecutor(options: WebhookExecutorOptions = {}): Executor {
  const fetchFn = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? defaultSleep;
  if (typeof fetchFn !== 'function')
    throw new AppError('config_invalid', 'createWebhookExecutor needs a fetch function (Node 20 has one built in).');
  const deps: WebhookDeps = { fetch: fetchFn, clock, sleep };
  return {
    kind: 'webhook',
    plan,
    execute: (request, raw, execOptions: ExecuteOptions) => execute(deps, request, raw, execOptions),
  };
}
