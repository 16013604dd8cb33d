import type { RespondFn, webApi } from '@slack/bolt';
import type { Logger } from '../../log/logger';
import { ChatApiError, type ChannelPoster, type PostedMessage, type ReplySink, type StepsView } from '../../ports/chat';
import { context, type Reply } from '../../reply/model';
import { renderSlack, type SlackMessage } from './render';
import { createSlackStreamer, type Call, type SlackStreamer } from './stream';

export interface RetryPolicy {
  /** Further attempts after the first. */
  retries: number;
  /** First backoff; doubled each time (a 429 waits its Retry-After instead). */
  baseMs: number;
}

/**
 * Posts and edits Slack messages through the Web API. Charts and cut-off output go into the
 * message's thread as files (each once per message, however often it is edited). Errors come
 * back as ChatApiError with Slack's own code (`channel_not_found`, `not_in_channel`, …).
 *
 * The client must not retry by itself (`retryConfig.retries: 0`, `rejectRateLimitedCalls`): we
 * retry here, and only what cannot duplicate a message. A 429 waits its Retry-After; a 5xx or a
 * refused connection is retried; a timeout is retried for an edit but not for a new message or
 * file, since Slack may have taken it (a lost reply beats the same reply twice).
 */
export function createSlackPoster(
  client: webApi.WebClient,
  log: Logger,
  retry: RetryPolicy = { retries: 3, baseMs: 500 },
): SlackPoster {
  const call = retrying(log, retry);
  const attach = attacher(client, call, log);

  return {
    streamer: createSlackStreamer(client, call, log),
    async post(channel: string, reply: Reply, thread?: string): Promise<PostedMessage> {
      const rendered = renderSlack(reply);
      const res = await call('chat.postMessage', false, () =>
        client.chat.postMessage({
          channel,
          text: rendered.text,
          blocks: rendered.blocks,
          ...(thread ? { thread_ts: thread } : {}),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      const ts = String(res.ts);
      // Slack answers with the channel id even when posted by name (#incidents).
      const message = { channel: String(res.channel ?? channel), id: ts, thread: thread ?? ts };
      await attach(message, rendered);
      return message;
    },
    async update(message: PostedMessage, reply: Reply): Promise<void> {
      const rendered = renderSlack(reply);
      await call('chat.update', true, () =>
        client.chat.update({ channel: message.channel, ts: message.id, text: rendered.text, blocks: rendered.blocks }),
      );
      await attach(message, rendered);
    },
  };
}

/** The Slack ChannelPoster, with the streamer that shows a job's steps as a streaming message (stream.ts). */
export interface SlackPoster extends ChannelPoster {
  streamer: SlackStreamer;
}

function retrying(log: Logger, retry: RetryPolicy): Call {
  return async function call<T>(method: string, idempotent: boolean, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const failure = toChatApiError(method, err);
        const waitMs = attempt < retry.retries ? retryAfterMs(err, idempotent, retry.baseMs * 2 ** attempt) : undefined;
        if (waitMs === undefined) throw failure;
        log.info('slack call retried', { method, attempt: attempt + 1, waitMs, why: failure.code });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  };
}

/** Uploads a message's charts and cut-off output into its thread, each file once per message. */
function attacher(
  client: webApi.WebClient,
  call: Call,
  log: Logger,
): (message: PostedMessage, rendered: SlackMessage) => Promise<void> {
  /** Files already attached under a message, by `channel/ts`, so edits don't attach them again. */
  const attached = new Map<string, Set<string>>();

  return async function attach(message: PostedMessage, rendered: SlackMessage): Promise<void> {
    const key = `${message.channel}/${message.id}`;
    const done = attached.get(key) ?? new Set<string>();
    attached.set(key, done);
    if (attached.size > 5000) attached.delete(attached.keys().next().value as string);
    const files = [
      ...rendered.uploads.map((u) => ({ name: u.filename, title: u.title, alt: u.alt, file: u.png })),
      ...(rendered.overflow
        ? [
            {
              name: 'full-output.txt',
              title: 'Full output',
              alt: 'the whole reply as text',
              file: Buffer.from(rendered.overflow),
            },
          ]
        : []),
    ];
    for (const f of files) {
      const id = `${f.name}:${f.file.length}`;
      if (done.has(id)) continue;
      done.add(id);
      try {
        await call('files.uploadV2', false, () =>
          client.files.uploadV2({
            channel_id: message.channel,
            thread_ts: message.thread,
            file: f.file,
            filename: f.name,
            title: f.title,
            ...(f.name.endsWith('.png') ? { alt_text: f.alt } : {}),
          }),
        );
      } catch (err) {
        done.delete(id);
        // The message itself is posted; a chart that could not be attached is logged, not fatal.
        log.warn('slack file upload failed', { err, channel: message.channel, file: f.name });
      }
    }
  };
}

/** Connection errors that mean the request never reached Slack. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** How long to wait before sending a failed call again, or undefined when it must not be. */
function retryAfterMs(err: unknown, idempotent: boolean, backoffMs: number): number | undefined {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    original?: { name?: string; cause?: { code?: string } };
  };
  if (e.code === 'slack_webapi_rate_limited_error') return Math.max(0, e.retryAfter ?? 1) * 1000;
  if (e.code === 'slack_webapi_http_error' && (e.statusCode ?? 0) >= 500) return backoffMs;
  if (e.code === 'slack_webapi_request_error') {
    if (NOT_SENT.has(e.original?.cause?.code ?? '')) return backoffMs;
    // Timed out or cut off: Slack may have done it. Only an edit is safe to send twice.
    return idempotent ? backoffMs : undefined;
  }
  return undefined;
}

export function toChatApiError(method: string, err: unknown): ChatApiError {
  const e = err as { data?: { error?: string }; statusCode?: number; code?: string; message?: string };
  const code = e.data?.error ?? (e.statusCode ? `http_${e.statusCode}` : (e.code ?? 'request_failed'));
  return new ChatApiError('slack', code, `Slack ${method} failed: ${code}`, e.statusCode);
}

/** Steps that cannot be streamed where the reply went (ephemeral, or a channel with no asker): edits instead. */
const NO_VIEW: StepsView = { show: async () => 'unavailable', end: async () => {} };

/** Who asked, for a streaming message outside a DM (Slack requires the recipient there). */
export interface Asker {
  user: string;
  team?: string;
}

/** Steps streamed in `thread` (the acknowledgement's own thread when there is none), for `asker`. */
function streamView(poster: SlackPoster, channel: string, thread: string, asker?: Asker): StepsView {
  // Outside a DM Slack streams only to a recipient: with nobody asking (an incident thread), edit instead.
  if (!asker?.team && !/^D/.test(channel)) return NO_VIEW;
  return poster.streamer.view({
    channel,
    thread,
    ...(asker && !/^D/.test(channel) ? { recipientUserId: asker.user } : {}),
    ...(asker?.team && !/^D/.test(channel) ? { recipientTeamId: asker.team } : {}),
  });
}

/** Replies in a thread (or top level of a DM when not in one); a job's steps stream in that thread. */
export function threadSink(
  poster: ChannelPoster | SlackPoster,
  channel: string,
  thread: string | undefined,
  asker?: Asker,
): ReplySink {
  return {
    async post(reply) {
      const m = await poster.post(channel, reply, thread);
      return { id: m.id };
    },
    update: (ref, reply) => poster.update({ channel, id: ref.id, thread: thread ?? ref.id }, reply),
    ...('streamer' in poster ? { steps: (ref) => streamView(poster, channel, thread ?? ref.id, asker) } : {}),
  };
}

/** Errors that mean the bot cannot post where it was asked: answer privately instead. */
const CANNOT_POST = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);

/**
 * `/ops` replies are posted in the channel so everyone sees them (and their progress). Where the
 * bot may not post (not invited, unknown channel), the reply goes privately to the person
 * through the command's response_url, and edits replace it there.
 */
export function slashSink(
  poster: ChannelPoster | SlackPoster,
  channel: string,
  respond: RespondFn,
  asked: string,
  asker?: Asker,
): ReplySink {
  let privately = false;
  const withAsked = (r: Reply): Reply => ({ ...r, blocks: [...r.blocks, context(asked)] });
  return {
    async post(reply) {
      try {
        const m = await poster.post(channel, withAsked(reply));
        return { id: m.id };
      } catch (err) {
        if (!(err instanceof ChatApiError) || !CANNOT_POST.has(err.code)) throw err;
        privately = true;
        const { text, blocks } = renderSlack(
          withAsked({
            ...reply,
            blocks: [
              ...reply.blocks,
              context(`I can't post in this channel (${err.code}); invite me with /invite to share replies here.`),
            ],
          }),
        );
        await respond({ response_type: 'ephemeral', text, blocks });
        return { id: 'ephemeral' };
      }
    },
    async update(ref, reply) {
      if (!privately) return poster.update({ channel, id: ref.id, thread: ref.id }, withAsked(reply));
      const { text, blocks } = renderSlack(withAsked(reply));
      await respond({ replace_original: true, text, blocks });
    },
    ...('streamer' in poster
      ? { steps: (ref) => (privately ? NO_VIEW : streamView(poster, channel, ref.id, asker)) }
      : {}),
  };
}
