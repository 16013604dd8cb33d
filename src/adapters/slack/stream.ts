import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log/logger';
import { ChatApiError, type StepsView } from '../../ports/chat';
import { stepKey, type Step } from '../../reply/model';
import { cleanText } from '../../reply/sanitize';

/**
 * A job's steps as a Slack streaming message (chat.startStream / chat.appendStream /
 * chat.stopStream, https://docs.slack.dev/reference/methods/chat.startStream): one message in the
 * thread of the request, each step a `task_update` chunk (id, title, status pending | in_progress |
 * complete | error, details) shown as a timeline; a change sends only the steps that changed, and a
 * task sent again with the same id is updated in place by Slack.
 *
 * Where Slack has no streaming for this app (`unknown_method`, `not_allowed`, a token or scope it does
 * not take), the poster remembers it for the life of the process and every view answers
 * `unavailable`, so the follower edits the acknowledgement instead (chat.update). Any other failure
 * (a stream Slack expired: `message_not_in_streaming_state`) falls back for that view only.
 */

/** One Web API call, sent again only when that cannot duplicate anything (see createSlackPoster). */
export type Call = <T>(method: string, idempotent: boolean, fn: () => Promise<T>) => Promise<T>;

/** Errors that mean this app cannot stream at all: remembered, never tried again in this process. */
const NO_STREAMING = new Set([
  'unknown_method',
  'not_allowed',
  'not_allowed_token_type',
  'missing_scope',
  'feature_not_enabled',
  'method_deprecated',
]);

/** Slack's limits on a task_update chunk's texts (details and output are 256 characters). */
const TASK_LIMITS = { id: 64, title: 256, details: 256 } as const;

const TASK_STATUS = { running: 'in_progress', done: 'complete', failed: 'error' } as const;

export interface TaskUpdateChunk {
  type: 'task_update';
  id: string;
  title: string;
  status: (typeof TASK_STATUS)[keyof typeof TASK_STATUS];
  details?: string;
}

const cut = (s: string, max: number): string => {
  const one = cleanText(s).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/** A step as Slack's task_update chunk. */
export function taskChunk(s: Step): TaskUpdateChunk {
  const details = s.detail ? cut(s.detail, TASK_LIMITS.details) : '';
  return {
    type: 'task_update',
    id: cut(stepKey(s), TASK_LIMITS.id) || 'step',
    title: cut(s.label, TASK_LIMITS.title) || 'step',
    status: TASK_STATUS[s.status],
    ...(details ? { details } : {}),
  };
}

/** Where a stream goes: the request's thread, and (outside DMs, as Slack requires) who asked. */
export interface StreamTarget {
  channel: string;
  thread: string;
  recipientUserId?: string;
  recipientTeamId?: string;
}

export interface SlackStreamer {
  view(target: StreamTarget): StepsView;
  /** False once Slack said this app cannot stream. */
  readonly available: boolean;
}

export function createSlackStreamer(client: webApi.WebClient, call: Call, log: Logger): SlackStreamer {
  let available = true;
  const giveUp = (err: unknown, where: StreamTarget) => {
    if (err instanceof ChatApiError && NO_STREAMING.has(err.code)) {
      if (available)
        log.info('slack streaming is not available: steps are shown by editing the message', { why: err.code });
      available = false;
    } else log.warn('slack stream failed: steps are shown by editing the message', { err, channel: where.channel });
  };

  return {
    get available() {
      return available;
    },
    view(target: StreamTarget): StepsView {
      let ts: string | undefined;
      let broken = false;
      /** Each task as last sent, by id. */
      const sent = new Map<string, string>();
      const changed = (steps: readonly Step[]): TaskUpdateChunk[] =>
        steps.map(taskChunk).filter((c) => sent.get(c.id) !== JSON.stringify(c));
      const markSent = (chunks: TaskUpdateChunk[]) => {
        for (const c of chunks) sent.set(c.id, JSON.stringify(c));
      };

      return {
        async show(steps) {
          if (!available || broken) return 'unavailable';
          const chunks = changed(steps);
          try {
            if (ts === undefined) {
              if (!chunks.length) return 'shown';
              const res = await call('chat.startStream', false, () =>
                client.chat.startStream({
                  channel: target.channel,
                  thread_ts: target.thread,
                  ...(target.recipientUserId ? { recipient_user_id: target.recipientUserId } : {}),
                  ...(target.recipientTeamId ? { recipient_team_id: target.recipientTeamId } : {}),
                  task_display_mode: 'timeline',
                  chunks,
                }),
              );
              if (!res.ts) throw new ChatApiError('slack', 'stream_not_started', 'Slack chat.startStream gave no ts');
              ts = String(res.ts);
            } else if (chunks.length) {
              const at = ts;
              // A task sent twice is the same task updated: safe to send again after a timeout.
              await call('chat.appendStream', true, () =>
                client.chat.appendStream({ channel: target.channel, ts: at, chunks }),
              );
            }
            markSent(chunks);
            return 'shown';
          } catch (err) {
            giveUp(err, target);
            broken = true;
            return 'unavailable';
          }
        },
        async end(steps) {
          if (ts === undefined || broken) return;
          const at = ts;
          const chunks = changed(steps);
          const failed = steps.filter((s) => s.status === 'failed').length;
          const summary = `${steps.length - failed} of ${steps.length} steps done${failed ? `, ${failed} failed` : ''}`;
          await call('chat.stopStream', true, () =>
            client.chat.stopStream({
              channel: target.channel,
              ts: at,
              chunks: [...chunks, { type: 'markdown_text', text: summary }],
            }),
          );
          markSent(chunks);
          broken = true;
        },
      };
    },
  };
}
