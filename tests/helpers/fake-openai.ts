import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

/**
 * A local stand-in for the OpenAI API (the far side, not our code): a real HTTP server speaking
 * the chat-completions wire format, so the real `openai` SDK can be pointed at it with `baseURL`.
 * It records every request and answers as each test scripts it.
 */

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. /v1/chat/completions. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it was not JSON; undefined for an empty body. */
  body: unknown;
}

export interface FakeUsage {
  prompt: number;
  completion: number;
}

export interface FakeToolCall {
  /** Function name; default `propose_intent`. */
  name?: string;
  /** The `arguments` string; an object is JSON-encoded. A string is sent as it is (malformed JSON included). */
  arguments: string | Record<string, unknown>;
}

export type FakeReply =
  /** A completion whose message carries one tool call (finish_reason tool_calls). */
  | { toolCall: FakeToolCall; usage?: FakeUsage | null }
  /** A completion with several tool calls. */
  | { toolCalls: FakeToolCall[]; usage?: FakeUsage | null }
  /** A completion with plain text and no tool call (finish_reason stop). */
  | { content: string; usage?: FakeUsage | null }
  /** An HTTP error in OpenAI's shape: {"error": {message, type, param, code}}. */
  | { status: number; message?: string; type?: string; code?: string | null; headers?: Record<string, string> }
  /** Any body as it is, e.g. not JSON at all. */
  | { raw: string; status?: number; contentType?: string; headers?: Record<string, string> }
  /** Never answer ('headers'), or send 200 headers and part of the body, then stall ('body'). */
  | { hang: 'headers' | 'body' };

export type FakeHandler = (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAI {
  /** Base URL for the SDK's `baseURL`, e.g. http://127.0.0.1:PORT/v1. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order (including ones that got 4xx from the fake's own checks). */
  readonly requests: RecordedRequest[];
  /** Chat-completion requests only. */
  completions(): RecordedRequest[];
  /** Script the next answers: a handler, or one reply for every request. */
  respondWith(handler: FakeHandler | FakeReply): void;
  /** Models listed by GET /v1/models (edit in place). */
  readonly models: string[];
  close(): Promise<void>;
}

export const DEFAULT_USAGE: FakeUsage = { prompt: 120, completion: 20 };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  404: 'invalid_request_error',
  429: 'requests',
  500: 'server_error',
  503: 'server_error',
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_fake_${Date.now().toString(36)}`,
    ...headers,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: { type?: string; code?: string | null; param?: string | null; headers?: Record<string, string> } = {},
): void {
  sendJson(
    res,
    status,
    {
      error: {
        message,
        type: extra.type ?? ERROR_TYPES[status] ?? 'api_error',
        param: extra.param ?? null,
        code: extra.code ?? null,
      },
    },
    extra.headers,
  );
}

let counter = 0;

function completion(
  model: string,
  message: Record<string, unknown>,
  finishReason: string,
  usage: FakeUsage | null | undefined,
): Record<string, unknown> {
  const u = usage === undefined ? DEFAULT_USAGE : usage;
  counter += 1;
  return {
    id: `chatcmpl-fake${counter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null, ...message },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    ...(u
      ? { usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion } }
      : {}),
    system_fingerprint: 'fp_fake',
  };
}

function toolCalls(calls: FakeToolCall[]): Record<string, unknown>[] {
  return calls.map((c, i) => ({
    id: `call_fake${counter}_${i}`,
    type: 'function',
    function: {
      name: c.name ?? 'propose_intent',
      arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    },
  }));
}

/** What the real API refuses before any model runs; keeps a broken request from passing against the fake. */
function checkRequest(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'We could not parse the JSON body of your request.';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) return 'you must provide a model parameter';
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return "Invalid 'messages': empty array. Expected an array with minimum length 1.";
  const choice = b.tool_choice as { type?: string; function?: { name?: string } } | string | undefined;
  if (choice !== undefined && !Array.isArray(b.tools))
    return "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.";
  if (typeof choice === 'object' && choice !== null) {
    const names = (b.tools as { function?: { name?: string } }[]).map((t) => t.function?.name);
    if (!names.includes(choice.function?.name))
      return (
        `Invalid value for 'tool_choice': no function named '${String(choice.function?.name)}' was specified in ` +
        `the 'tools' parameter.`
      );
  }
  return undefined;
}

export async function startFakeOpenAI(options: { requireAuth?: boolean } = {}): Promise<FakeOpenAI> {
  const requireAuth = options.requireAuth ?? true;
  const requests: RecordedRequest[] = [];
  let handler: FakeHandler = () => ({ status: 500, message: 'fake-openai: no reply scripted for this test' });
  let completionIndex = 0;
  const models = ['gpt-4o-mini', 'fake-model'];

  async function answerCompletion(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const problem = checkRequest(req.body);
    if (problem) return sendError(res, 400, problem);
    const model = (req.body as { model: string }).model;
    const reply = await handler(req, completionIndex++);
    if ('hang' in reply) {
      if (reply.hang === 'body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"chatcmpl-stalled","object":"chat.completion","choices":[');
      }
      return; // never finishes; close() destroys the socket
    }
    if ('raw' in reply) {
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
      res.end(reply.raw);
      return;
    }
    if ('status' in reply)
      return sendError(res, reply.status, reply.message ?? `fake error ${reply.status}`, {
        type: reply.type,
        code: reply.code,
        headers: reply.headers,
      });
    if ('content' in reply)
      return sendJson(res, 200, completion(model, { content: reply.content }, 'stop', reply.usage));
    const calls = 'toolCall' in reply ? [reply.toolCall] : reply.toolCalls;
    sendJson(res, 200, completion(model, { tool_calls: toolCalls(calls) }, 'tool_calls', reply.usage));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] as string,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      const auth = req.headers.authorization;
      if (requireAuth && !(typeof auth === 'string' && /^Bearer \S+/.test(auth))) {
        return sendError(
          res,
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using " +
            'Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
        );
      }
      if (recorded.method === 'GET' && recorded.path === '/v1/models') {
        return sendJson(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake-openai' })),
        });
      }
      if (recorded.method === 'POST' && recorded.path === '/v1/chat/completions') {
        answerCompletion(recorded, res).catch((err: unknown) =>
          sendError(res, 500, `fake-openai handler failed: ${err instanceof Error ? err.message : String(err)}`),
        );
        return;
      }
      sendError(res, 404, `Invalid URL (${recorded.method} ${recorded.path})`);
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    models,
    completions: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions'),
    respondWith(h) {
      handler = typeof h === 'function' ? h : () => h;
    },
    close,
  };
}

/** A port on 127.0.0.1 with nothing listening (for connection-refused tests). */
export { freePort as closedPort } from './cli';
