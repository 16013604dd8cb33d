import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { listenOnLoopback } from './loopback';
import { SLACK_IDS, type EnvelopeType, type SlackPayload } from './slack-payloads';

/**
 * A local stand-in for Slack (the far side, not our code): one HTTP server on 127.0.0.1 that
 * speaks the Web API as the real @slack/web-api WebClient calls it (form-encoded POSTs to
 * `<url><method>`, token in the Authorization header, `{ok, error}` answers, 429 + Retry-After),
 * the file upload URL of `files.uploadV2`, slash-command/interaction `response_url`s, and a
 * Socket Mode WebSocket reached through `apps.connections.open`, so the real Bolt, WebClient and
 * SocketModeClient can be pointed at it with `slackApiUrl`.
 *
 * It keeps the channel's messages (posts, edits with their versions, file shares), refuses what
 * Slack refuses (no or unknown token, the wrong kind of token, unknown channel or message, no
 * text, Block Kit over its limits) with Slack's error codes, and fails on request (`failNext`).
 */

// ---- the `ws` package, a dependency of our dependencies; no @types/ws is installed ----------------

interface WsSocket {
  readonly readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  close(code?: number, reason?: string): void;
  terminate(): void;
}
interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(cb?: (err?: Error) => void): void;
}
interface WsModule {
  WebSocketServer: new (options: { noServer: true; clientTracking?: boolean }) => WsServer;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WebSocketServer } = require('ws') as WsModule;
const WS_OPEN = 1;
const WS_CLOSED = 3;

// ---- public types -----------------------------------------------------------------------------

export interface SlackCall {
  /** Web API method, e.g. chat.postMessage. */
  method: string;
  /** Form (or JSON) fields as sent; JSON-valued fields (blocks, attachments, files…) parsed. */
  args: Record<string, unknown>;
  /** The token used: Authorization: Bearer, else the `token` field. */
  token?: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** HTTP status answered. */
  status: number;
  /** Whether the answer was ok:true. */
  ok: boolean;
  /** Slack's error code when ok is false. */
  error?: string;
}

export interface FakeUpload {
  fileId: string;
  filename: string;
  title?: string;
  /** Alt text in the documented field of files.getUploadURLExternal (`alt_txt`). */
  alt_txt?: string;
  /** Alt text sent as `alt_text`, which @slack/web-api 8 sends in files.uploadV2 (not Slack's documented name). */
  alt_text?: string;
  snippet_type?: string;
  /** The bytes POSTed to the upload URL. */
  bytes: Buffer;
  /** The `length` declared to files.getUploadURLExternal. */
  declaredLength: number;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
  blocks?: unknown;
  at: number;
}

export interface FakeMessageVersion {
  text: string;
  blocks?: unknown[];
  at: number;
  by:
    | 'chat.postMessage'
    | 'chat.update'
    | 'files.completeUploadExternal'
    | 'seed'
    | 'chat.startStream'
    | 'chat.appendStream'
    | 'chat.stopStream';
}

/** A message started with chat.startStream: what it was started with and every chunk appended since. */
export interface FakeStream {
  state: 'streaming' | 'stopped';
  recipient_user_id?: string;
  recipient_team_id?: string;
  task_display_mode: 'timeline' | 'plan';
  /** Every chunk in the order received (markdown_text given as a field counts as a markdown_text chunk). */
  chunks: Array<Record<string, unknown>>;
  /** Each task_update's latest state by id, in the order the ids first came (Slack updates a task in place). */
  tasks: Array<{ id: string; title: string; status: string; details?: string; output?: string }>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  /** The poster's user id (the bot's for what the bot posted). */
  user: string;
  /** Set on messages the bot posted. */
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  /** File ids shared with this message. */
  files?: string[];
  reactions: string[];
  /** Every version, first post first; the last is the current one. */
  versions: FakeMessageVersion[];
  /** Set on a message started with chat.startStream. */
  stream?: FakeStream;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
  at: number;
}

export interface FakeResponse {
  /** The response_url's id (the last path segment). */
  id: string;
  url: string;
  /** The POSTed JSON (or the raw text when it is not JSON). */
  body: unknown;
  contentType?: string;
  at: number;
}

export interface FailureSpec {
  /** HTTP status; default 429 with retryAfterS, else 200 (ok:false) with error, else 500. */
  status?: number;
  /** Slack's error code for the body; default `ratelimited` (429), `internal_error` (5xx). */
  error?: string;
  /** Sends `Retry-After: <s>` (with status 429 unless given). */
  retryAfterS?: number;
  /** More fields for the error body, e.g. {needed: 'chat:write', provided: 'bot'}. */
  extra?: Record<string, unknown>;
}

export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SendOptions {
  timeoutMs?: number;
  /** Default true for slash_commands, false otherwise (as Slack sends them). */
  acceptsResponsePayload?: boolean;
  /** events_api redelivery fields. */
  retryAttempt?: number;
  retryReason?: string;
}

export interface FakeSlackSocket {
  /** Whether a Socket Mode client is connected (and was sent hello). */
  connected(): boolean;
  waitConnected(timeoutMs?: number): Promise<void>;
  /** Number of connections opened since start. */
  readonly connections: number;
  /** Sends an envelope to the newest connection; resolves with the client's ack `{envelope_id, payload?}`. */
  send(envelopeType: EnvelopeType, payload: Record<string, unknown>, options?: SendOptions): Promise<SocketAck>;
  /** Sends a built payload (slack-payloads) in its own envelope type. */
  deliver(payload: SlackPayload, options?: SendOptions): Promise<SocketAck>;
  /** Everything the clients sent, parsed. */
  readonly received: unknown[];
  /** Asks the clients to reconnect, as Slack does (`{type:'disconnect', reason}`). */
  disconnect(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;
  /** The next `count` connections are opened but never sent hello, so their clients stay connecting. */
  holdHello(count?: number): void;
}

export interface FakeSlackOptions {
  /** The bot token accepted (xoxb-…). */
  botToken?: string;
  /** The app-level token accepted by apps.connections.open (xapp-…). */
  appToken?: string;
  /** Channel ids that exist; DMs (D…) always do. Default C0INCIDENT, C0OPS. */
  channels?: string[];
  /** Socket Mode ack wait, by default (ms). */
  ackTimeoutMs?: number;
  /** Seconds part of the first message ts. */
  tsBase?: number;
  /**
   * Whether the streaming methods (chat.startStream, chat.appendStream, chat.stopStream) exist; when
   * not, they answer `unknown_method` as Slack does for a method it does not have. Default true.
   */
  streaming?: boolean;
}

export interface FakeSlack {
  /** SLACK_API_URL / WebClient's slackApiUrl: http://127.0.0.1:PORT/api/ */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly port: number;
  readonly botToken: string;
  readonly appToken: string;
  /** The known channel ids (edit in place). */
  readonly channels: Set<string>;
  readonly calls: SlackCall[];
  readonly uploads: FakeUpload[];
  readonly responses: FakeResponse[];
  /** Copies of the channel's messages (thread replies included), by channel then ts; all channels without one. */
  messages(channel?: string): FakeMessage[];
  message(channel: string, ts: string): FakeMessage | undefined;
  /** Replies in a thread (not the parent), oldest first. */
  replies(channel: string, threadTs: string): FakeMessage[];
  ephemerals(): FakeEphemeral[];
  /** A message someone else posted (e.g. the user's message a mention event refers to). */
  seedMessage(channel: string, message: { ts: string; user: string; text: string; thread_ts?: string }): void;
  /** Calls of one method. */
  callsOf(method: string): SlackCall[];
  /** Turns the streaming methods on or off (off: `unknown_method`). */
  setStreaming(on: boolean): void;
  /** The next `times` calls of `method` fail this way. Also 'upload' (the upload URL) and 'response_url'. */
  failNext(method: string, response: FailureSpec, times?: number): void;
  /** The next `times` calls of `method` are carried out at once but answered `ms` later (Slack slow to reply). */
  slowNext(method: string, ms: number, times?: number): void;
  /** Resolves with the first call (already made or coming) that matches; rejects after timeoutMs. */
  waitFor(predicate: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Same for response_url POSTs. */
  waitForResponse(predicate?: (response: FakeResponse) => boolean, timeoutMs?: number): Promise<FakeResponse>;
  /** Mints a response_url on the fake (`<origin>/respond/<id>`) whose POSTs land in `responses`. */
  responseUrl(kind?: 'commands' | 'actions'): string;
  readonly socket: FakeSlackSocket;
  close(): Promise<void>;
}

// ---- Block Kit checks (the limits of https://docs.slack.dev/reference/block-kit/blocks) -----------

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'divider',
  'actions',
  'context',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
  'markdown',
  'table',
  'context_actions',
]);

function textProblems(t: unknown, at: string, max: number, plainOnly = false): string[] {
  if (t === null || typeof t !== 'object') return [`must provide an object [json-pointer:${at}]`];
  const o = t as { type?: unknown; text?: unknown };
  if (o.type !== 'plain_text' && (plainOnly || o.type !== 'mrkdwn'))
    return [`must be a valid enum value [json-pointer:${at}/type]`];
  if (typeof o.text !== 'string') return [`must provide a string [json-pointer:${at}/text]`];
  if (o.text.length === 0) return [`must be more than 0 characters [json-pointer:${at}/text]`];
  if (o.text.length > max) return [`must be less than ${max + 1} characters [json-pointer:${at}/text]`];
  return [];
}

function elementProblems(e: unknown, at: string, actionIds: Set<string>): string[] {
  if (e === null || typeof e !== 'object') return [`must provide an object [json-pointer:${at}]`];
  const o = e as Record<string, unknown>;
  const out: string[] = [];
  if (o.type === 'button') {
    out.push(...textProblems(o.text, `${at}/text`, 75, true));
    if (o.value !== undefined && (typeof o.value !== 'string' || o.value.length > 2000))
      out.push(`must be less than 2001 characters [json-pointer:${at}/value]`);
    if (o.url !== undefined && (typeof o.url !== 'string' || o.url.length > 3000))
      out.push(`must be less than 3001 characters [json-pointer:${at}/url]`);
    if (o.style !== undefined && o.style !== 'primary' && o.style !== 'danger')
      out.push(`must be a valid enum value [json-pointer:${at}/style]`);
  }
  if (o.action_id !== undefined) {
    if (typeof o.action_id !== 'string' || o.action_id.length > 255)
      out.push(`must be less than 256 characters [json-pointer:${at}/action_id]`);
    else if (actionIds.has(o.action_id))
      out.push(`duplicate action_id ${JSON.stringify(o.action_id)} [json-pointer:${at}/action_id]`);
    else actionIds.add(o.action_id);
  }
  return out;
}

/** Slack's `invalid_blocks` messages for a blocks array; [] when it would be accepted. */
export function blockProblems(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['must provide an array [json-pointer:/blocks]'];
  const out: string[] = [];
  if (blocks.length > 50) out.push('no more than 50 items allowed [json-pointer:/blocks]');
  const blockIds = new Set<string>();
  blocks.forEach((b: unknown, i) => {
    const at = `/blocks/${i}`;
    if (b === null || typeof b !== 'object') return void out.push(`must provide an object [json-pointer:${at}]`);
    const o = b as Record<string, unknown>;
    if (typeof o.type !== 'string' || !BLOCK_TYPES.has(o.type))
      return void out.push(`must be a valid enum value [json-pointer:${at}/type]`);
    if (o.block_id !== undefined) {
      if (typeof o.block_id !== 'string' || o.block_id.length > 255)
        out.push(`must be less than 256 characters [json-pointer:${at}/block_id]`);
      else if (blockIds.has(o.block_id))
        out.push(`duplicate block_id ${JSON.stringify(o.block_id)} [json-pointer:${at}/block_id]`);
      else blockIds.add(o.block_id);
    }
    const actionIds = new Set<string>();
    switch (o.type) {
      case 'section':
        if (o.text === undefined && o.fields === undefined)
          out.push(`must provide either text or fields [json-pointer:${at}]`);
        if (o.text !== undefined) out.push(...textProblems(o.text, `${at}/text`, 3000));
        if (o.fields !== undefined) {
          if (!Array.isArray(o.fields) || o.fields.length === 0)
            out.push(`must provide a non-empty array [json-pointer:${at}/fields]`);
          else {
            if (o.fields.length > 10) out.push(`no more than 10 items allowed [json-pointer:${at}/fields]`);
            o.fields.forEach((f: unknown, j) => out.push(...textProblems(f, `${at}/fields/${j}`, 2000)));
          }
        }
        if (o.accessory !== undefined) out.push(...elementProblems(o.accessory, `${at}/accessory`, actionIds));
        break;
      case 'header':
        out.push(...textProblems(o.text, `${at}/text`, 150, true));
        break;
      case 'context':
        if (!Array.isArray(o.elements) || o.elements.length === 0)
          out.push(`must provide a non-empty array [json-pointer:${at}/elements]`);
        else {
          if (o.elements.length > 10) out.push(`no more than 10 items allowed [json-pointer:${at}/elements]`);
          o.elements.forEach((e: unknown, j) => {
            const t = (e as { type?: unknown } | null)?.type;
            if (t === 'plain_text' || t === 'mrkdwn') out.push(...textProblems(e, `${at}/elements/${j}`, 3000));
            else if (t !== 'image') out.push(`must be a valid enum value [json-pointer:${at}/elements/${j}/type]`);
          });
        }
        break;
      case 'actions':
        if (!Array.isArray(o.elements) || o.elements.length === 0)
          out.push(`must provide a non-empty array [json-pointer:${at}/elements]`);
        else {
          if (o.elements.length > 25) out.push(`no more than 25 items allowed [json-pointer:${at}/elements]`);
          o.elements.forEach((e: unknown, j) => out.push(...elementProblems(e, `${at}/elements/${j}`, actionIds)));
        }
        break;
      case 'image':
        if (typeof o.alt_text !== 'string' || o.alt_text.length === 0 || o.alt_text.length > 2000)
          out.push(`must be between 1 and 2000 characters [json-pointer:${at}/alt_text]`);
        if (o.image_url === undefined && o.slack_file === undefined)
          out.push(`must provide either image_url or slack_file [json-pointer:${at}]`);
        break;
      default:
        break;
    }
  });
  return out;
}

// ---- helpers ----------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** Web API fields whose form value is JSON. */
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'files',
  'metadata',
  'unfurls',
  'view',
  'user_auth_blocks',
  'file_uploads',
  'chunks',
]);

function parseJsonFields(args: Json): Json {
  for (const [k, v] of Object.entries(args)) {
    if (JSON_FIELDS.has(k) && typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        args[k] = JSON.parse(v);
      } catch {
        // left as the string; the method answers invalid_arguments / invalid_blocks_format
      }
    }
  }
  return args;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseArgs(req: IncomingMessage, raw: Buffer, query: URLSearchParams): Promise<Json> {
  const args: Json = Object.fromEntries(query.entries());
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (raw.length === 0) return args;
  if (type.startsWith('application/json')) {
    const body = JSON.parse(raw.toString('utf8')) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(args, body);
    return args;
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    for (const [k, v] of form.entries())
      args[k] = typeof v === 'string' ? v : Buffer.from(await (v as Blob).arrayBuffer());
    return args;
  }
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
  return args;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-slack-req-id': randomBytes(16).toString('hex'),
    ...headers,
  });
  res.end(text);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

const MIME: Record<string, [string, string, string]> = {
  png: ['image/png', 'png', 'PNG'],
  jpg: ['image/jpeg', 'jpg', 'JPEG'],
  jpeg: ['image/jpeg', 'jpg', 'JPEG'],
  gif: ['image/gif', 'gif', 'GIF'],
  svg: ['image/svg+xml', 'svg', 'SVG'],
  txt: ['text/plain', 'text', 'Plain Text'],
  json: ['application/json', 'json', 'JSON'],
  csv: ['text/csv', 'csv', 'CSV'],
  pdf: ['application/pdf', 'pdf', 'PDF'],
};

class SlackError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Json = {},
  ) {
    super(code);
  }
}

interface Waiter<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

// ---- the fake ---------------------------------------------------------------------------------------

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-1111111111-2222222222-fakebottoken0000';
  const appToken = options.appToken ?? `xapp-1-${SLACK_IDS.app}-3333333333-fakeapptoken0000`;
  const channels = new Set(options.channels ?? ['C0INCIDENT', 'C0OPS']);
  const ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  const tsBase = options.tsBase ?? 1732600000;

  const calls: SlackCall[] = [];
  const uploads: FakeUpload[] = [];
  const responses: FakeResponse[] = [];
  const ephemeralList: FakeEphemeral[] = [];
  const store = new Map<string, Map<string, FakeMessage>>();
  const failures = new Map<string, FailureSpec[]>();
  const pendingFiles = new Map<
    string,
    { filename: string; length: number; alt_txt?: string; alt_text?: string; snippet_type?: string; bytes?: Buffer }
  >();
  const mintedResponseUrls = new Set<string>();
  /** Socket Mode tickets handed out by apps.connections.open, each good for one connection. */
  const tickets = new Set<string>();
  const callWaiters = new Set<Waiter<SlackCall>>();
  const responseWaiters = new Set<Waiter<FakeResponse>>();
  let streaming = options.streaming ?? true;
  let tsCounter = 0;
  let fileCounter = 0;
  let responseCounter = 0;
  let origin = '';

  const nextTs = (): string => {
    tsCounter += 1;
    const micros = tsCounter * 100;
    return `${tsBase + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };

  const isDm = (id: string) => /^D[A-Z0-9]+$/.test(id);
  const channelExists = (id: string) => channels.has(id) || isDm(id);
  /** Posting to a user id posts in the app's DM with them. */
  const resolveChannel = (id: string) => (/^[UW][A-Z0-9]+$/.test(id) ? `D${id.slice(1)}` : id);

  function channelStore(channel: string): Map<string, FakeMessage> {
    let m = store.get(channel);
    if (!m) store.set(channel, (m = new Map()));
    return m;
  }

  const slow = new Map<string, number[]>();
  function takeSlow(method: string): number | undefined {
    return slow.get(method)?.shift();
  }

  function takeFailure(key: string): FailureSpec | undefined {
    const queue = failures.get(key);
    const f = queue?.shift();
    if (queue && queue.length === 0) failures.delete(key);
    return f;
  }

  function failureReply(f: FailureSpec): { status: number; body: Json; headers: Record<string, string> } {
    const status = f.status ?? (f.retryAfterS !== undefined ? 429 : f.error ? 200 : 500);
    const error = f.error ?? (status === 429 ? 'ratelimited' : 'internal_error');
    const headers: Record<string, string> = f.retryAfterS !== undefined ? { 'retry-after': String(f.retryAfterS) } : {};
    return { status, body: { ok: false, error, ...f.extra }, headers };
  }

  function settle<T>(waiters: Set<Waiter<T>>, item: T): void {
    for (const w of [...waiters]) {
      if (!w.predicate(item)) continue;
      clearTimeout(w.timer);
      waiters.delete(w);
      w.resolve(item);
    }
  }

  function wait<T>(
    waiters: Set<Waiter<T>>,
    existing: T[],
    predicate: (item: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const found = existing.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`fake-slack: no ${what} matched within ${timeoutMs} ms (seen: ${existing.length})`));
        }, timeoutMs),
      };
      waiters.add(w);
    });
  }

  const botProfile = () => ({
    id: SLACK_IDS.bot,
    deleted: false,
    name: SLACK_IDS.botName,
    updated: tsBase,
    app_id: SLACK_IDS.app,
    icons: {
      image_36: 'https://a.slack-edge.com/80588/img/plugins/app/bot_36.png',
      image_48: 'https://a.slack-edge.com/80588/img/plugins/app/bot_48.png',
      image_72: 'https://a.slack-edge.com/80588/img/plugins/app/service_72.png',
    },
    team_id: SLACK_IDS.team,
  });

  function wireMessage(m: FakeMessage): Json {
    return {
      user: m.user,
      type: 'message',
      ts: m.ts,
      ...(m.bot_id ? { bot_id: m.bot_id, app_id: SLACK_IDS.app } : {}),
      text: m.text,
      team: SLACK_IDS.team,
      ...(m.bot_id ? { bot_profile: botProfile() } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts && m.thread_ts !== m.ts
        ? { thread_ts: m.thread_ts, parent_user_id: store.get(m.channel)?.get(m.thread_ts)?.user ?? m.user }
        : {}),
    };
  }

  /** text and blocks of a post or update: Slack's no_text / invalid_blocks / msg_too_long checks. */
  function content(args: Json): { text: string; blocks?: unknown[] } {
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = args.blocks;
    if (typeof blocks === 'string' && blocks.trim() !== '') throw new SlackError('invalid_blocks_format');
    if (blocks !== undefined && blocks !== '') {
      const problems = blockProblems(blocks);
      if (problems.length)
        throw new SlackError('invalid_blocks', {
          errors: problems,
          response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
        });
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    if (!text && !hasBlocks && args.attachments === undefined) throw new SlackError('no_text');
    if (text.length > 40000) throw new SlackError('msg_too_long');
    return hasBlocks ? { text, blocks: blocks as unknown[] } : { text };
  }

  function requireChannel(args: Json, field = 'channel'): string {
    const raw = str(args[field]);
    if (!raw) throw new SlackError('channel_not_found');
    const channel = resolveChannel(raw);
    if (!channelExists(channel)) throw new SlackError('channel_not_found');
    return channel;
  }

  // ---- text streaming (https://docs.slack.dev/reference/methods/chat.startStream and its siblings) ----

  const TASK_STATUSES = new Set(['pending', 'in_progress', 'complete', 'error']);

  /** The chunks of a streaming call (and markdown_text as one more): Slack's invalid_chunks checks. */
  function streamChunks(args: Json, required: boolean): Json[] {
    const raw = args.chunks;
    if (raw !== undefined && !Array.isArray(raw)) throw new SlackError('invalid_chunks');
    const chunks = (raw ?? []) as unknown[];
    const out: Json[] = [];
    for (const [i, c] of chunks.entries()) {
      const o = c as Json | null;
      const bad = (why: string) =>
        new SlackError('invalid_chunks', {
          response_metadata: { messages: [`[ERROR] ${why} [json-pointer:/chunks/${i}]`] },
        });
      if (!o || typeof o !== 'object') throw bad('must provide an object');
      if (o.type === 'markdown_text') {
        if (typeof o.text !== 'string' || !o.text) throw bad('must provide text');
        if (o.text.length > 12000) throw new SlackError('msg_too_long');
      } else if (o.type === 'task_update') {
        if (typeof o.id !== 'string' || !o.id) throw bad('must provide an id');
        if (typeof o.title !== 'string' || !o.title) throw bad('must provide a title');
        if (typeof o.status !== 'string' || !TASK_STATUSES.has(o.status)) throw bad('must be a valid enum value');
        for (const f of ['details', 'output'])
          if (o[f] !== undefined && (typeof o[f] !== 'string' || (o[f] as string).length > 256))
            throw bad(`${f} must be less than 257 characters`);
      } else if (o.type === 'plan_update') {
        if (typeof o.title !== 'string' || !o.title) throw bad('must provide a title');
      } else if (o.type === 'blocks') {
        const problems = blockProblems(o.blocks);
        if (problems.length) throw bad(problems[0] as string);
      } else throw bad('must be a valid enum value');
      out.push(o);
    }
    const md = str(args.markdown_text);
    if (md !== undefined) {
      if (md.length > 12000) throw new SlackError('msg_too_long');
      out.unshift({ type: 'markdown_text', text: md });
    }
    if (required && out.length === 0)
      throw new SlackError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] either markdown_text or chunks is required'] },
      });
    return out;
  }

  /** Adds chunks to a streaming message: text appends, a task_update updates its task by id. */
  function applyChunks(m: FakeMessage, chunks: Json[], at: number, by: FakeMessageVersion['by']): void {
    const stream = m.stream as FakeStream;
    for (const c of chunks) {
      stream.chunks.push(structuredClone(c));
      if (c.type === 'markdown_text') m.text += c.text as string;
      if (c.type === 'task_update') {
        const task = {
          id: c.id as string,
          title: c.title as string,
          status: c.status as string,
          ...(typeof c.details === 'string' ? { details: c.details } : {}),
          ...(typeof c.output === 'string' ? { output: c.output } : {}),
        };
        const i = stream.tasks.findIndex((t) => t.id === task.id);
        if (i < 0) stream.tasks.push(task);
        else stream.tasks[i] = { ...stream.tasks[i], ...task };
      }
    }
    m.versions.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}), at, by });
  }

  /** The streaming message `ts` names in `channel`, still streaming. */
  function streamingMessage(args: Json): { channel: string; m: FakeMessage } {
    const channel = requireChannel(args);
    const ts = str(args.ts);
    const m = ts ? store.get(channel)?.get(ts) : undefined;
    if (!m) throw new SlackError('message_not_found');
    if (m.bot_id !== SLACK_IDS.bot) throw new SlackError('cant_update_message');
    if (!m.stream || m.stream.state !== 'streaming') throw new SlackError('message_not_in_streaming_state');
    return { channel, m };
  }

  const streamMethods: Record<string, (args: Json, at: number) => Json> = {
    'chat.startStream': (args, at) => {
      const channel = requireChannel(args);
      const threadTs = str(args.thread_ts);
      if (!threadTs)
        throw new SlackError('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] missing required field: thread_ts'] },
        });
      const userId = str(args.recipient_user_id);
      const teamId = str(args.recipient_team_id);
      if (!isDm(channel) && (!userId || !teamId))
        throw new SlackError('invalid_arguments', {
          response_metadata: {
            messages: ['[ERROR] recipient_user_id and recipient_team_id are required when streaming to channels'],
          },
        });
      const mode = str(args.task_display_mode) ?? 'timeline';
      if (mode !== 'timeline' && mode !== 'plan') throw new SlackError('invalid_arguments');
      const chunks = streamChunks(args, false);
      const ts = nextTs();
      const m: FakeMessage = {
        channel,
        ts,
        user: SLACK_IDS.botUser,
        bot_id: SLACK_IDS.bot,
        text: '',
        thread_ts: threadTs,
        reactions: [],
        versions: [],
        stream: {
          state: 'streaming',
          ...(userId ? { recipient_user_id: userId } : {}),
          ...(teamId ? { recipient_team_id: teamId } : {}),
          task_display_mode: mode,
          chunks: [],
          tasks: [],
        },
      };
      channelStore(channel).set(ts, m);
      applyChunks(m, chunks, at, 'chat.startStream');
      return { ok: true, channel, ts };
    },

    'chat.appendStream': (args, at) => {
      const { channel, m } = streamingMessage(args);
      applyChunks(m, streamChunks(args, true), at, 'chat.appendStream');
      return { ok: true, channel, ts: m.ts };
    },

    'chat.stopStream': (args, at) => {
      const { channel, m } = streamingMessage(args);
      const chunks = streamChunks(args, false);
      if (args.blocks !== undefined) {
        const problems = blockProblems(args.blocks);
        if (problems.length) throw new SlackError('invalid_blocks', { errors: problems });
        m.blocks = args.blocks as unknown[];
      }
      applyChunks(m, chunks, at, 'chat.stopStream');
      (m.stream as FakeStream).state = 'stopped';
      return { ok: true, channel, ts: m.ts, message: wireMessage(m) };
    },
  };

  const methods: Record<string, (args: Json, at: number) => Json> = {
    'api.test': (args) => ({ ok: true, args: Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'token')) }),

    'auth.test': () => ({
      ok: true,
      url: `https://${SLACK_IDS.teamDomain}.slack.com/`,
      team: 'SmartCloudOps Test',
      user: SLACK_IDS.botName,
      team_id: SLACK_IDS.team,
      user_id: SLACK_IDS.botUser,
      bot_id: SLACK_IDS.bot,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (args, at) => {
      const channel = requireChannel(args);
      const { text, blocks } = content(args);
      const ts = nextTs();
      const threadTs = str(args.thread_ts);
      const m: FakeMessage = {
        channel,
        ts,
        user: SLACK_IDS.botUser,
        bot_id: SLACK_IDS.bot,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        reactions: [],
        versions: [{ text, ...(blocks ? { blocks } : {}), at, by: 'chat.postMessage' }],
      };
      channelStore(channel).set(ts, m);
      return { ok: true, channel, ts, message: wireMessage(m) };
    },

    'chat.update': (args, at) => {
      const channel = requireChannel(args);
      const ts = str(args.ts);
      const m = ts ? store.get(channel)?.get(ts) : undefined;
      if (!m) throw new SlackError('message_not_found');
      if (m.bot_id !== SLACK_IDS.bot) throw new SlackError('cant_update_message');
      const { text, blocks } = content(args);
      m.text = text;
      if (blocks) m.blocks = blocks;
      else if (args.blocks !== undefined) delete m.blocks;
      m.versions.push({ text, ...(blocks ? { blocks } : {}), at, by: 'chat.update' });
      return { ok: true, channel, ts: m.ts, text, message: wireMessage(m) };
    },

    'chat.delete': (args) => {
      const channel = requireChannel(args);
      const ts = str(args.ts);
      const m = ts ? store.get(channel)?.get(ts) : undefined;
      if (!m) throw new SlackError('message_not_found');
      if (m.bot_id !== SLACK_IDS.bot) throw new SlackError('cant_delete_message');
      store.get(channel)?.delete(m.ts);
      return { ok: true, channel, ts: m.ts };
    },

    'chat.postEphemeral': (args, at) => {
      const channel = requireChannel(args);
      const user = str(args.user);
      if (!user) throw new SlackError('user_not_found');
      const { text, blocks } = content(args);
      const message_ts = nextTs();
      const threadTs = str(args.thread_ts);
      ephemeralList.push({
        channel,
        user,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        message_ts,
        at,
      });
      return { ok: true, message_ts };
    },

    'conversations.open': (args) => {
      const users = str(args.users)?.split(',') ?? [];
      if (users.length === 0 && !str(args.channel)) throw new SlackError('users_list_not_supplied');
      if (users.length > 1) throw new SlackError('method_not_supported_for_channel_type');
      const id = str(args.channel) ?? `D${(users[0] as string).slice(1)}`;
      return { ok: true, no_op: true, already_open: true, channel: { id } };
    },

    'reactions.add': (args) => {
      const channel = requireChannel(args);
      const ts = str(args.timestamp);
      const name = str(args.name);
      if (!name) throw new SlackError('invalid_name');
      const m = ts ? store.get(channel)?.get(ts) : undefined;
      if (!m) throw new SlackError('message_not_found');
      if (m.reactions.includes(name)) throw new SlackError('already_reacted');
      m.reactions.push(name);
      return { ok: true };
    },

    'files.getUploadURLExternal': (args) => {
      const filename = str(args.filename);
      const lengthRaw = args.length;
      if (!filename || lengthRaw === undefined)
        throw new SlackError('invalid_arguments', {
          response_metadata: { messages: [`[ERROR] missing required field: ${filename ? 'length' : 'filename'}`] },
        });
      const length = Number(lengthRaw);
      if (!Number.isInteger(length) || length < 0) throw new SlackError('invalid_arguments');
      if (length === 0) throw new SlackError('missing_argument');
      const alt_txt = str(args.alt_txt);
      if (alt_txt && alt_txt.length > 1000) throw new SlackError('alt_txt_too_large');
      fileCounter += 1;
      const fileId = `F0${String(fileCounter).padStart(8, '0')}`;
      pendingFiles.set(fileId, {
        filename,
        length,
        ...(alt_txt ? { alt_txt } : {}),
        ...(str(args.alt_text) ? { alt_text: str(args.alt_text) } : {}),
        ...(str(args.snippet_type) ? { snippet_type: str(args.snippet_type) } : {}),
      });
      return {
        ok: true,
        upload_url: `${origin}/upload/v1/${fileId}?token=${randomBytes(6).toString('hex')}`,
        file_id: fileId,
      };
    },

    'files.completeUploadExternal': (args, at) => {
      const files = args.files;
      if (!Array.isArray(files) || files.length === 0)
        throw new SlackError('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] files must be a JSON array of {id, title}'] },
        });
      const channelRaw = str(args.channel_id) ?? str(args.channels)?.split(',')[0];
      const channel = channelRaw ? resolveChannel(channelRaw) : undefined;
      if (channel && !channelExists(channel)) throw new SlackError('channel_not_found');
      const threadTs = str(args.thread_ts);
      if (threadTs && !channel)
        throw new SlackError('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] thread_ts requires channel_id'] },
        });
      const entries = files.map((f: unknown) => {
        const id = str((f as Json | null)?.id);
        const pending = id ? pendingFiles.get(id) : undefined;
        if (!id || !pending || !pending.bytes) throw new SlackError('file_not_found');
        return { id, title: str((f as Json).title), pending: { ...pending, bytes: pending.bytes } };
      });
      const initialComment = str(args.initial_comment);
      const out = entries.map(({ id, title, pending }) => {
        pendingFiles.delete(id);
        uploads.push({
          fileId: id,
          filename: pending.filename,
          ...(title ? { title } : {}),
          ...(pending.alt_txt ? { alt_txt: pending.alt_txt } : {}),
          ...(pending.alt_text ? { alt_text: pending.alt_text } : {}),
          ...(pending.snippet_type ? { snippet_type: pending.snippet_type } : {}),
          bytes: pending.bytes,
          declaredLength: pending.length,
          ...(channel ? { channel_id: channel } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(initialComment ? { initial_comment: initialComment } : {}),
          ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
          at,
        });
        const ext = pending.filename.includes('.') ? (pending.filename.split('.').pop() as string).toLowerCase() : '';
        const [mimetype, filetype, pretty] = MIME[ext] ?? ['application/octet-stream', 'binary', 'Binary'];
        const created = Math.floor(at / 1000);
        return {
          id,
          created,
          timestamp: created,
          name: pending.filename,
          title: title ?? pending.filename,
          mimetype,
          filetype,
          pretty_type: pretty,
          user: SLACK_IDS.botUser,
          user_team: SLACK_IDS.team,
          editable: false,
          size: pending.bytes.length,
          mode: 'hosted',
          is_external: false,
          external_type: '',
          is_public: Boolean(channel && !isDm(channel)),
          public_url_shared: false,
          display_as_bot: false,
          username: '',
          url_private:
            `https://files.slack.com/files-pri/${SLACK_IDS.team}-${id}/` + `${encodeURIComponent(pending.filename)}`,
          url_private_download:
            `https://files.slack.com/files-pri/${SLACK_IDS.team}-${id}/download/` +
            `${encodeURIComponent(pending.filename)}`,
          permalink:
            `https://${SLACK_IDS.teamDomain}.slack.com/files/${SLACK_IDS.botUser}/${id}/` +
            `${encodeURIComponent(pending.filename)}`,
          ...(pending.alt_txt ? { alt_txt: pending.alt_txt } : {}),
          comments_count: 0,
          is_starred: false,
          // Sharing into the channel happens after the answer, so Slack answers with no shares yet.
          shares: {},
          channels: [],
          groups: [],
          ims: [],
          has_more_shares: false,
          has_rich_preview: false,
          file_access: 'visible',
        };
      });
      if (channel) {
        const ts = nextTs();
        const text = initialComment ?? '';
        channelStore(channel).set(ts, {
          channel,
          ts,
          user: SLACK_IDS.botUser,
          bot_id: SLACK_IDS.bot,
          text,
          files: entries.map((e) => e.id),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          reactions: [],
          versions: [{ text, at, by: 'files.completeUploadExternal' }],
        });
      }
      return { ok: true, files: out };
    },

    'apps.connections.open': () => {
      const ticket = randomUUID();
      tickets.add(ticket);
      return { ok: true, url: `${origin.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${SLACK_IDS.app}` };
    },
  };

  // ---- Web API ----------------------------------------------------------------------------------

  async function webApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
  ): Promise<void> {
    const at = Date.now();
    const raw = await readBody(req);
    let args: Json;
    try {
      args = parseJsonFields(await parseArgs(req, raw, query));
    } catch {
      args = {};
    }
    const auth = req.headers.authorization;
    const headerToken =
      typeof auth === 'string' && /^Bearer\s+\S/.test(auth) ? auth.replace(/^Bearer\s+/, '').trim() : undefined;
    const token = headerToken ?? str(args.token);
    const call: SlackCall = { method, args, ...(token ? { token } : {}), at, status: 200, ok: true };
    const lateMs = takeSlow(method);
    const answer = (status: number, body: Json, headers: Record<string, string> = {}) => {
      call.status = status;
      call.ok = body.ok === true;
      if (typeof body.error === 'string') call.error = body.error;
      calls.push(call);
      if (lateMs) setTimeout(() => sendJson(res, status, body, headers), lateMs);
      else sendJson(res, status, body, headers);
      settle(callWaiters, call);
    };

    const failure = takeFailure(method);
    if (failure) {
      const f = failureReply(failure);
      return answer(f.status, f.body, f.headers);
    }
    const handler = methods[method] ?? (streaming ? streamMethods[method] : undefined);
    if (!handler) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    if (method === 'api.test') return answer(200, handler(args, at));
    // Tokens: none -> not_authed; not ours -> invalid_auth; the wrong kind for the method -> not_allowed_token_type.
    if (!token) return answer(200, { ok: false, error: 'not_authed' });
    if (token !== botToken && token !== appToken) return answer(200, { ok: false, error: 'invalid_auth' });
    const appLevel = method.startsWith('apps.connections.');
    if (appLevel !== (token === appToken)) return answer(200, { ok: false, error: 'not_allowed_token_type' });
    // apps.connections.open takes the app token in the Authorization header only.
    if (appLevel && !headerToken) return answer(200, { ok: false, error: 'not_authed' });
    try {
      answer(200, handler(args, at));
    } catch (err) {
      if (err instanceof SlackError) return answer(200, { ok: false, error: err.code, ...err.extra });
      return answer(500, { ok: false, error: 'fatal_error', detail: err instanceof Error ? err.message : String(err) });
    }
  }

  // ---- the upload URL and response_urls -----------------------------------------------------------

  async function upload(req: IncomingMessage, res: ServerResponse, fileId: string): Promise<void> {
    const raw = await readBody(req);
    const failure = takeFailure('upload');
    if (failure) {
      const f = failureReply(failure);
      return sendJson(res, f.status, f.body, f.headers);
    }
    const pending = pendingFiles.get(fileId);
    if (!pending || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    let bytes = raw;
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('multipart/form-data')) {
      // WebClient sends the bytes as a multipart file field (named `body`); curl -F uses `file`.
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const file = [...form.values()].find((v) => typeof v !== 'string') as Blob | undefined;
      if (!file) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('no file in the form');
        return;
      }
      bytes = Buffer.from(await file.arrayBuffer());
    }
    pending.bytes = bytes;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`OK - ${bytes.length}`);
  }

  async function respond(req: IncomingMessage, res: ServerResponse, id: string, url: string): Promise<void> {
    const raw = await readBody(req);
    const failure = takeFailure('response_url');
    if (failure) {
      const f = failureReply(failure);
      return sendJson(res, f.status, f.body, f.headers);
    }
    if (!mintedResponseUrls.has(id) || req.method !== 'POST')
      return sendJson(res, 404, { ok: false, error: 'expired_url' });
    const text = raw.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    const contentType = req.headers['content-type'];
    const r: FakeResponse = { id, url, body, ...(contentType ? { contentType } : {}), at: Date.now() };
    responses.push(r);
    sendJson(res, 200, { ok: true });
    settle(responseWaiters, r);
  }

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    let work: Promise<void>;
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/([\w.]+)$/.exec(u.pathname))) work = webApi(req, res, m[1] as string, u.searchParams);
    else if ((m = /^\/upload\/v1\/(F\w+)$/.exec(u.pathname))) work = upload(req, res, m[1] as string);
    else if ((m = /^\/respond\/([\w-]+)$/.exec(u.pathname)))
      work = respond(req, res, m[1] as string, `${origin}${u.pathname}`);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    work.catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          ok: false,
          error: 'fatal_error',
          detail: err instanceof Error ? err.message : String(err),
        });
    });
  });

  // ---- Socket Mode --------------------------------------------------------------------------------

  const wss = new WebSocketServer({ noServer: true, clientTracking: false });
  const sockets = new Set<WsSocket>();
  const open: WsSocket[] = [];
  const received: unknown[] = [];
  const pendingAcks = new Map<
    string,
    { resolve: (ack: SocketAck) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }
  >();
  const connectWaiters = new Set<{ resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  let connectionCount = 0;
  let helloHeld = 0;
  const greeted = new WeakSet<WsSocket>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = u.searchParams.get('ticket') ?? '';
    if (u.pathname !== '/link/' || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connectionCount += 1;
      sockets.add(ws);
      open.push(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let msg: unknown;
        try {
          msg = JSON.parse(data.toString('utf8'));
        } catch {
          return;
        }
        received.push(msg);
        const id = (msg as { envelope_id?: unknown }).envelope_id;
        const waiting = typeof id === 'string' ? pendingAcks.get(id) : undefined;
        if (waiting && typeof id === 'string') {
          pendingAcks.delete(id);
          clearTimeout(waiting.timer);
          waiting.resolve(msg as SocketAck);
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        sockets.delete(ws);
        const i = open.indexOf(ws);
        if (i >= 0) open.splice(i, 1);
      });
      if (helloHeld > 0) {
        helloHeld -= 1;
        return;
      }
      greeted.add(ws);
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: open.length,
          debug_info: { host: `applink-fake-${connectionCount}`, build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: SLACK_IDS.app },
        }),
      );
      for (const w of [...connectWaiters]) {
        clearTimeout(w.timer);
        connectWaiters.delete(w);
        w.resolve();
      }
    });
  });

  const newest = (): WsSocket | undefined =>
    [...open].reverse().find((w) => w.readyState === WS_OPEN && greeted.has(w));

  const socket: FakeSlackSocket = {
    connected: () => newest() !== undefined,
    waitConnected(timeoutMs = 5000) {
      if (newest()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = {
          resolve,
          reject,
          timer: setTimeout(() => {
            connectWaiters.delete(w);
            reject(new Error(`fake-slack: no Socket Mode client connected within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        connectWaiters.add(w);
      });
    },
    get connections() {
      return connectionCount;
    },
    received,
    send(envelopeType, payload, opts = {}) {
      const ws = newest();
      if (!ws) return Promise.reject(new Error('fake-slack: no Socket Mode client is connected'));
      const envelope_id = randomUUID();
      const envelope: Json = {
        envelope_id,
        payload,
        type: envelopeType,
        accepts_response_payload: opts.acceptsResponsePayload ?? envelopeType === 'slash_commands',
        ...(envelopeType === 'events_api'
          ? { retry_attempt: opts.retryAttempt ?? 0, retry_reason: opts.retryReason ?? '' }
          : {}),
      };
      const timeoutMs = opts.timeoutMs ?? ackTimeoutMs;
      return new Promise<SocketAck>((resolve, reject) => {
        pendingAcks.set(envelope_id, {
          resolve,
          reject,
          timer: setTimeout(() => {
            pendingAcks.delete(envelope_id);
            reject(
              new Error(
                `fake-slack: envelope ${envelope_id} (${envelopeType}) was not acknowledged within ${timeoutMs} ms`,
              ),
            );
          }, timeoutMs),
        });
        ws.send(JSON.stringify(envelope), (err) => {
          if (!err) return;
          const waiting = pendingAcks.get(envelope_id);
          if (!waiting) return;
          pendingAcks.delete(envelope_id);
          clearTimeout(waiting.timer);
          reject(err);
        });
      });
    },
    deliver(p, opts) {
      if (!p.envelopeType)
        return Promise.reject(
          new Error('fake-slack: this payload is HTTP only (url_verification has no Socket Mode envelope)'),
        );
      return socket.send(p.envelopeType, p.envelopePayload, opts);
    },
    holdHello(count = 1) {
      helloHeld += count;
    },
    disconnect(reason = 'refresh_requested') {
      for (const ws of open)
        if (ws.readyState === WS_OPEN)
          ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    },
  };

  const { port, close: closeHttp } = await listenOnLoopback(server);
  origin = `http://127.0.0.1:${port}`;

  const snapshot = (m: FakeMessage): FakeMessage => structuredClone(m);
  const byTs = (a: FakeMessage, b: FakeMessage) => Number(a.ts) - Number(b.ts);

  return {
    url: `${origin}/api/`,
    origin,
    port,
    botToken,
    appToken,
    channels,
    calls,
    uploads,
    responses,
    messages(channel) {
      const lists = channel ? [store.get(channel)] : [...store.values()];
      return lists
        .flatMap((m) => (m ? [...m.values()] : []))
        .sort(byTs)
        .map(snapshot);
    },
    message(channel, ts) {
      const m = store.get(channel)?.get(ts);
      return m ? snapshot(m) : undefined;
    },
    replies(channel, threadTs) {
      return [...(store.get(channel)?.values() ?? [])]
        .filter((m) => m.thread_ts === threadTs && m.ts !== threadTs)
        .sort(byTs)
        .map(snapshot);
    },
    ephemerals: () => ephemeralList.map((e) => structuredClone(e)),
    seedMessage(channel, msg) {
      channelStore(channel).set(msg.ts, {
        channel,
        ts: msg.ts,
        user: msg.user,
        text: msg.text,
        ...(msg.thread_ts ? { thread_ts: msg.thread_ts } : {}),
        reactions: [],
        versions: [{ text: msg.text, at: Date.now(), by: 'seed' }],
      });
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    setStreaming(on) {
      streaming = on;
    },
    slowNext(method, ms, times = 1) {
      const queue = slow.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(ms);
      slow.set(method, queue);
    },
    failNext(method, response, times = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(response);
      failures.set(method, queue);
    },
    waitFor: (predicate, timeoutMs = 5000) => wait(callWaiters, calls, predicate, timeoutMs, 'Web API call'),
    waitForResponse: (predicate = () => true, timeoutMs = 5000) =>
      wait(responseWaiters, responses, predicate, timeoutMs, 'response_url POST'),
    responseUrl(kind = 'commands') {
      responseCounter += 1;
      const id = `${kind}-${SLACK_IDS.team}-${responseCounter}-${randomBytes(8).toString('hex')}`;
      mintedResponseUrls.add(id);
      return `${origin}/respond/${id}`;
    },
    socket,
    async close() {
      const closed = new Error('fake-slack: closed');
      for (const [id, p] of pendingAcks) {
        clearTimeout(p.timer);
        pendingAcks.delete(id);
        p.reject(closed);
      }
      for (const set of [callWaiters, responseWaiters] as Set<Waiter<unknown>>[]) {
        for (const w of set) {
          clearTimeout(w.timer);
          w.reject(closed);
        }
        set.clear();
      }
      for (const w of connectWaiters) {
        clearTimeout(w.timer);
        w.reject(closed);
      }
      connectWaiters.clear();
      // Close each socket with a close handshake rather than cutting it: a client that is
      // mid-disconnect (Bolt's stop() does not wait for it) otherwise keeps its 30 s
      // close-handshake timer alive. Whatever has not closed within a second is cut.
      const gone = [...sockets].map(
        (ws) =>
          new Promise<void>((resolve) => (ws.readyState === WS_CLOSED ? resolve() : ws.on('close', () => resolve()))),
      );
      for (const ws of sockets) if (ws.readyState === WS_OPEN) ws.close(1001, 'fake-slack closing');
      let cut: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(gone), new Promise<void>((resolve) => (cut = setTimeout(resolve, 1000)))]);
      clearTimeout(cut);
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      open.length = 0;
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeHttp();
    },
  };
}
