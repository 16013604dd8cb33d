import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Requests as Slack sends them to an app (the far side, not our code), for tests of the Slack
 * adapter: the field sets of recorded Slack requests (Events API `event_callback`s, slash
 * commands, `block_actions` interactions, `url_verification`), signed the way Slack signs them
 * (`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret).
 *
 * Every builder returns the raw HTTP body with its content type, and the same request as Socket
 * Mode delivers it (the envelope type and its `payload`), so one builder serves both receivers.
 */

/** The workspace the fakes pretend to be; fake-slack's auth.test answers with the same ids. */
export const SLACK_IDS = {
  team: 'T0TEAM',
  teamDomain: 'smartcloudops-test',
  app: 'A0APP',
  /** The bot's user id: what `<@…>` mentions of the bot carry and auth.test's user_id. */
  botUser: 'U0BOT',
  /** The bot id (B…) on messages the bot posts; auth.test's bot_id. */
  bot: 'B0BOT',
  botName: 'smartcloudops',
  /** The deprecated verification token Slack still puts in every payload. */
  verificationToken: 'fakeVerificationTokenX9kq2',
} as const;

export type SlackContentType = 'application/json' | 'application/x-www-form-urlencoded';
export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface SlackPayload {
  /** The raw request body, byte for byte what Slack POSTs (and signs). */
  body: string;
  contentType: SlackContentType;
  /** The Socket Mode envelope type carrying this request; undefined for url_verification (HTTP only). */
  envelopeType: EnvelopeType | undefined;
  /** The Socket Mode envelope's `payload`: the event_callback, the command's fields, the interaction. */
  envelopePayload: Record<string, unknown>;
}

let seq = 0;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** A message ts like Slack's: seconds, a dot, six digits of microseconds; increasing within a run. */
export function slackTs(seconds = Math.floor(Date.now() / 1000)): string {
  seq = (seq + 1) % 1_000_000;
  return `${seconds}.${String(seq).padStart(6, '0')}`;
}

/** A trigger_id like Slack's: `<digits>.<digits>.<32 hex>`. */
function triggerId(): string {
  return (
    `${Date.now()}${Math.floor(Math.random() * 1000)}.` +
    `${Math.floor(1e9 + Math.random() * 9e9)}.${randomBytes(16).toString('hex')}`
  );
}

/** A response_url that goes nowhere (connection refused), for tests that don't mint one on the fake. */
export const UNUSED_RESPONSE_URL = 'http://127.0.0.1:1/respond/not-minted';

function channelNameOf(channelId: string): string {
  if (channelId.startsWith('D')) return 'directmessage';
  return channelId.replace(/^[CG]0?/, '').toLowerCase() || 'general';
}

function json(envelopeType: EnvelopeType | undefined, payload: Record<string, unknown>): SlackPayload {
  return { body: JSON.stringify(payload), contentType: 'application/json', envelopeType, envelopePayload: payload };
}

/** `rich_text` blocks for a plain message text, as Slack's clients attach them (mentions as user elements). */
export function richTextBlocks(text: string): Record<string, unknown>[] {
  const elements: Record<string, unknown>[] = [];
  const re = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) elements.push({ type: 'text', text: unescapeMrkdwn(text.slice(last, m.index)) });
    elements.push({ type: 'user', user_id: m[1] });
    last = m.index + m[0].length;
  }
  if (last < text.length) elements.push({ type: 'text', text: unescapeMrkdwn(text.slice(last)) });
  return [
    {
      type: 'rich_text',
      block_id: randomBytes(3).toString('base64url').slice(0, 4),
      elements: [{ type: 'rich_text_section', elements }],
    },
  ];
}

function unescapeMrkdwn(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `event_context` is an opaque string; Slack's start with `4-` and a base64url JSON. */
function eventContext(channelId: string): string {
  const context = JSON.stringify({ et: 'app_mention', tid: SLACK_IDS.team, aid: SLACK_IDS.app, cid: channelId });
  return `4-${Buffer.from(context).toString('base64url')}`;
}

function eventCallback(
  event: Record<string, unknown>,
  opts: { botUserId: string; eventId?: string; channelId: string },
): SlackPayload {
  const eventTime = Math.floor(Number(event.event_ts ?? Date.now() / 1000));
  return json('events_api', {
    token: SLACK_IDS.verificationToken,
    team_id: SLACK_IDS.team,
    context_team_id: SLACK_IDS.team,
    context_enterprise_id: null,
    api_app_id: SLACK_IDS.app,
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? randomId('Ev0'),
    event_time: eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: SLACK_IDS.team,
        user_id: opts.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: eventContext(opts.channelId),
  });
}

/** The challenge Slack sends when a Request URL is saved (HTTP only; never over Socket Mode). */
export function urlVerification(challenge: string): SlackPayload {
  return json(undefined, { token: SLACK_IDS.verificationToken, challenge, type: 'url_verification' });
}

export interface SlashCommandInput {
  text: string;
  userId: string;
  channelId: string;
  /** Mint one with fake-slack's `responseUrl()` to see `respond()` calls; default goes nowhere. */
  responseUrl?: string;
  command?: string;
  triggerId?: string;
  userName?: string;
  channelName?: string;
}

/** A slash command: form-encoded fields in the order Slack sends them. */
export function slashCommand(input: SlashCommandInput): SlackPayload {
  const fields: Record<string, string> = {
    token: SLACK_IDS.verificationToken,
    team_id: SLACK_IDS.team,
    team_domain: SLACK_IDS.teamDomain,
    channel_id: input.channelId,
    channel_name: input.channelName ?? channelNameOf(input.channelId),
    user_id: input.userId,
    user_name: input.userName ?? input.userId.toLowerCase(),
    command: input.command ?? '/ops',
    text: input.text,
    api_app_id: SLACK_IDS.app,
    is_enterprise_install: 'false',
    response_url: input.responseUrl ?? UNUSED_RESPONSE_URL,
    trigger_id: input.triggerId ?? triggerId(),
  };
  return {
    body: new URLSearchParams(fields).toString(),
    contentType: 'application/x-www-form-urlencoded',
    envelopeType: 'slash_commands',
    envelopePayload: { ...fields },
  };
}

export interface AppMentionInput {
  /** The raw message text, mention included: `<@U0BOT> status`. */
  text: string;
  userId: string;
  channelId: string;
  ts?: string;
  /** Set when the mention is a reply in a thread. */
  threadTs?: string;
  /** Who started the thread (with threadTs); default the mentioning user. */
  parentUserId?: string;
  botUserId?: string;
  eventId?: string;
}

/** An `app_mention` event_callback. */
export function appMention(input: AppMentionInput): SlackPayload {
  const ts = input.ts ?? slackTs();
  const event: Record<string, unknown> = {
    user: input.userId,
    type: 'app_mention',
    ts,
    client_msg_id: randomUUID(),
    text: input.text,
    team: SLACK_IDS.team,
    ...(input.threadTs ? { thread_ts: input.threadTs, parent_user_id: input.parentUserId ?? input.userId } : {}),
    blocks: richTextBlocks(input.text),
    channel: input.channelId,
    event_ts: ts,
  };
  return eventCallback(event, {
    botUserId: input.botUserId ?? SLACK_IDS.botUser,
    eventId: input.eventId,
    channelId: input.channelId,
  });
}

export interface DirectMessageInput {
  text: string;
  userId: string;
  /** A DM channel id (D…). */
  channelId: string;
  ts?: string;
  threadTs?: string;
  botUserId?: string;
  eventId?: string;
}

/** A `message` event in the app's DM (`channel_type: 'im'`). */
export function directMessage(input: DirectMessageInput): SlackPayload {
  const ts = input.ts ?? slackTs();
  const event: Record<string, unknown> = {
    user: input.userId,
    type: 'message',
    ts,
    client_msg_id: randomUUID(),
    text: input.text,
    team: SLACK_IDS.team,
    ...(input.threadTs ? { thread_ts: input.threadTs, parent_user_id: input.userId } : {}),
    blocks: richTextBlocks(input.text),
    channel: input.channelId,
    event_ts: ts,
    channel_type: 'im',
  };
  return eventCallback(event, {
    botUserId: input.botUserId ?? SLACK_IDS.botUser,
    eventId: input.eventId,
    channelId: input.channelId,
  });
}

export interface BlockActionInput {
  userId: string;
  channelId: string;
  /** The ts of the bot message holding the button. */
  messageTs: string;
  /** When that message is a reply in a thread. */
  threadTs?: string;
  actionId?: string;
  value?: string;
  /** The button's label. */
  label?: string;
  blockId?: string;
  responseUrl?: string;
  userName?: string;
  channelName?: string;
  /** The clicked message's text and blocks (default: one actions block holding this button). */
  messageText?: string;
  messageBlocks?: Record<string, unknown>[];
  triggerId?: string;
}

/** A `block_actions` interaction for a button click: form body `payload=<JSON>`. */
export function blockAction(input: BlockActionInput): SlackPayload {
  const actionId = input.actionId ?? 'sco:cmd:0';
  const value = input.value ?? 'ack i123';
  const label = input.label ?? value;
  const blockId = input.blockId ?? randomBytes(3).toString('base64url').slice(0, 4);
  const userName = input.userName ?? input.userId.toLowerCase();
  const button = { type: 'button', action_id: actionId, text: { type: 'plain_text', text: label, emoji: true }, value };
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: { id: input.userId, username: userName, name: userName, team_id: SLACK_IDS.team },
    api_app_id: SLACK_IDS.app,
    token: SLACK_IDS.verificationToken,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channelId,
      is_ephemeral: false,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    },
    trigger_id: input.triggerId ?? triggerId(),
    team: { id: SLACK_IDS.team, domain: SLACK_IDS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: input.channelName ?? channelNameOf(input.channelId) },
    message: {
      user: SLACK_IDS.botUser,
      type: 'message',
      ts: input.messageTs,
      bot_id: SLACK_IDS.bot,
      app_id: SLACK_IDS.app,
      text: input.messageText ?? label,
      team: SLACK_IDS.team,
      ...(input.threadTs ? { thread_ts: input.threadTs, parent_user_id: input.userId } : {}),
      blocks: input.messageBlocks ?? [{ type: 'actions', block_id: blockId, elements: [button] }],
    },
    state: { values: {} },
    response_url: input.responseUrl ?? UNUSED_RESPONSE_URL,
    actions: [
      { action_id: actionId, block_id: blockId, text: button.text, value, type: 'button', action_ts: slackTs() },
    ],
  };
  return {
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: 'application/x-www-form-urlencoded',
    envelopeType: 'interactive',
    envelopePayload: payload,
  };
}

export interface SignedHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': string;
}

/**
 * Slack's request signature headers for a raw body (or a built payload). The content type is the
 * payload's, or for a raw string JSON when it starts with `{`, else form-encoded.
 */
export function signSlackRequest(
  secret: string,
  rawBody: string | SlackPayload,
  timestampS = Math.floor(Date.now() / 1000),
): SignedHeaders {
  const body = typeof rawBody === 'string' ? rawBody : rawBody.body;
  const contentType =
    typeof rawBody === 'string'
      ? rawBody.trimStart().startsWith('{')
        ? 'application/json'
        : 'application/x-www-form-urlencoded'
      : rawBody.contentType;
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampS}:${body}`).digest('hex')}`;
  return {
    'x-slack-signature': signature,
    'x-slack-request-timestamp': String(timestampS),
    'content-type': contentType,
  };
}

export interface PostSignedOptions {
  timestampS?: number;
  /** Send this signature instead of the right one (bad-signature tests). */
  signature?: string;
  /** Slack's retry headers (x-slack-retry-num, x-slack-retry-reason) for redelivery tests. */
  retryNum?: number;
  retryReason?: string;
  /** Any other headers; sent last, so they win. */
  headers?: Record<string, string>;
}

export interface PostedResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Wall time from sending to the whole answer, in milliseconds. */
  ms: number;
}

/** POSTs a payload to the app the way Slack does (signed, Slack's user agent) and reads the whole answer. */
export async function postSigned(
  url: string,
  payload: SlackPayload,
  secret: string,
  options: PostSignedOptions = {},
): Promise<PostedResult> {
  const signed = signSlackRequest(secret, payload, options.timestampS);
  const headers: Record<string, string> = {
    ...signed,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    accept: '*/*',
    ...(options.signature !== undefined ? { 'x-slack-signature': options.signature } : {}),
    ...(options.retryNum !== undefined
      ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': options.retryReason ?? 'http_timeout' }
      : {}),
    ...options.headers,
  };
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: payload.body });
  const body = await res.text();
  return {
    status: res.status,
    body,
    headers: Object.fromEntries(res.headers.entries()),
    ms: performance.now() - started,
  };
}
