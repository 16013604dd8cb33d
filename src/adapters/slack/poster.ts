import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log/logger';
import type { Reply } from '../../reply/model';
import { ChatApiError, type ChannelPoster, type PostedMessage } from '../types';
import { renderSlack, type SlackMessage } from './render';

/**
 * Posts and edits Slack messages through the Web API. Charts and cut-off output go into the
 * message's thread as files (each once per message, however often it is edited). Errors come
 * back as ChatApiError with Slack's own code (`channel_not_found`, `not_in_channel`, …).
 */
export function createSlackPoster(client: webApi.WebClient, log: Logger): ChannelPoster {
  /** Files already attached under a message, by `channel/ts`, so edits don't attach them again. */
  const attached = new Map<string, Set<string>>();

  async function attach(message: PostedMessage, rendered: SlackMessage): Promise<void> {
    const key = `${message.channel}/${message.id}`;
    const done = attached.get(key) ?? new Set<string>();
    attached.set(key, done);
    if (attached.size > 5000) attached.delete(attached.keys().next().value as string);
    const files = [
      ...rendered.uploads.map((u) => ({ name: u.filename, title: u.title, alt: u.alt, file: u.png })),
      ...(rendered.overflow ? [{ name: 'full-output.txt', title: 'Full output', alt: 'the whole reply as text', file: Buffer.from(rendered.overflow) }] : []),
    ];
    for (const f of files) {
      const id = `${f.name}:${f.file.length}`;
      if (done.has(id)) continue;
      done.add(id);
      try {
        await call('files.uploadV2', () =>
          client.files.uploadV2({ channel_id: message.channel, thread_ts: message.thread, file: f.file, filename: f.name, title: f.title, ...(f.name.endsWith('.png') ? { alt_text: f.alt } : {}) }),
        );
      } catch (err) {
        done.delete(id);
        // The message itself is posted; a chart that could not be attached is logged, not fatal.
        log.warn('slack file upload failed', { err, channel: message.channel, file: f.name });
      }
    }
  }

  return {
    async post(channel: string, reply: Reply, thread?: string): Promise<PostedMessage> {
      const rendered = renderSlack(reply);
      const res = await call('chat.postMessage', () => client.chat.postMessage({ channel, text: rendered.text, blocks: rendered.blocks, ...(thread ? { thread_ts: thread } : {}), unfurl_links: false, unfurl_media: false }));
      const ts = String(res.ts);
      // Slack answers with the channel id even when posted by name (#incidents).
      const message = { channel: String(res.channel ?? channel), id: ts, thread: thread ?? ts };
      await attach(message, rendered);
      return message;
    },
    async update(message: PostedMessage, reply: Reply): Promise<void> {
      const rendered = renderSlack(reply);
      await call('chat.update', () => client.chat.update({ channel: message.channel, ts: message.id, text: rendered.text, blocks: rendered.blocks }));
      await attach(message, rendered);
    },
  };
}

/** A Web API call with Slack's failures as ChatApiError (WebClient already waits out 429s). */
async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toChatApiError(method, err);
  }
}

export function toChatApiError(method: string, err: unknown): ChatApiError {
  const e = err as { data?: { error?: string }; statusCode?: number; code?: string; message?: string };
  const code = e.data?.error ?? (e.statusCode ? `http_${e.statusCode}` : e.code ?? 'request_failed');
  return new ChatApiError('slack', code, `Slack ${method} failed: ${code}`, e.statusCode);
}
