import { App as BoltApp, SocketModeReceiver, webApi, type RespondFn } from '@slack/bolt';
import type { Conversation } from '../../chat/conversation';
import type { Config } from '../../config/config';
import type { Logger } from '../../log/logger';
import { context, type Reply } from '../../reply/model';
import {
  ChatApiError,
  type ChannelPoster,
  type ChatAdapter,
  type IncomingMessage,
  type ReplySink,
} from '../../ports/chat';
import { boltLogger } from './bolt-logger';
import { createSlackPoster } from './poster';
import { FastifyReceiver } from './receiver';
import { createRedisReplayGuard, createStoreReplayGuard, type ReplayGuard } from './replay';
import type { Db } from '../../store/store';
import { renderSlack } from './render';
import { guardReconnectOnStop } from './socket-guard';

export interface SlackAdapterDeps {
  config: Config['slack'] & { botToken: string };
  conversation: Conversation;
  log: Logger;
  /** Retries of a failed Web API call that cannot duplicate a message (a 429 waits its Retry-After). */
  retries?: number;
  /** Longest wait for one Web API answer (default 10 s). */
  timeoutMs?: number;
  /** With Redis, every `serve` process shares what Slack requests were taken (replays are dropped anywhere). */
  redisUrl?: string;
  /** Without Redis, the store keeps them (replays are dropped after a restart too). */
  db?: Db;
}

/** Where the receiver remembers the requests it took: Redis, else the store, else (tests) its own memory. */
function replayGuard(deps: SlackAdapterDeps, log: Logger): { replays?: ReplayGuard } {
  if (deps.redisUrl) return { replays: createRedisReplayGuard({ redisUrl: deps.redisUrl, log }) };
  return deps.db ? { replays: createStoreReplayGuard(deps.db) } : {};
}

/** Errors that mean the bot cannot post where it was asked: answer privately instead. */
const CANNOT_POST = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);
const LEADING_MENTION = /^\s*(<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*)+/i;

/**
 * Slack through Bolt: HTTP mode on the side-app's `/slack/events`, or Socket Mode when
 * SLACK_APP_TOKEN is set. Mentions, DMs, `/ops` and button clicks all become one
 * IncomingMessage for the conversation; listeners ack first, so Slack hears back within 3 s
 * whatever the work costs. Replies go in the thread of the request.
 */
export function createSlackAdapter(deps: SlackAdapterDeps): ChatAdapter {
  const { config, conversation } = deps;
  const log = deps.log.child({ component: 'slack' });
  const api = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    logger: boltLogger(log),
  };
  // The poster decides what is retried (never a post that may have landed): the client retries nothing.
  const clientOptions: webApi.WebClientOptions = {
    ...api,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: deps.timeoutMs ?? 10_000,
  };
  const client = new webApi.WebClient(config.botToken, clientOptions);
  const poster = createSlackPoster(client, log, { retries: deps.retries ?? 3, baseMs: 500 });

  let identity: Promise<{ botId: string; botUserId: string }> | undefined;
  const whoami = () =>
    (identity ??= client.auth.test().then(
      (r) => ({ botId: String(r.bot_id), botUserId: String(r.user_id) }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    ));

  const socketMode = Boolean(config.appToken);
  const receiver = socketMode
    ? new SocketModeReceiver({
        appToken: config.appToken as string,
        logger: boltLogger(log),
        installerOptions: { clientOptions: { ...api } },
      })
    : new FastifyReceiver({ signingSecret: config.signingSecret as string, log, ...replayGuard(deps, log) });
  const stopping = receiver instanceof SocketModeReceiver ? guardReconnectOnStop(receiver.client, log) : () => {};
  const bolt = new BoltApp({
    receiver,
    socketMode,
    logger: boltLogger(log),
    clientOptions,
    authorize: async () => ({ botToken: config.botToken, ...(await whoami()) }),
  });

  const handle = async (msg: IncomingMessage, sink: ReplySink) => {
    try {
      await conversation.handleMessage(msg, sink);
    } catch (err) {
      log.error('slack message failed', { err, channel: msg.channel });
    }
  };

  bolt.command('/ops', async ({ command, ack, respond }) => {
    await ack();
    const asked = `/ops ${command.text}`.trim();
    await handle(
      {
        platform: 'slack',
        user: command.user_id,
        userName: command.user_name,
        channel: command.channel_id,
        text: asked,
      },
      slashSink(poster, command.channel_id, respond, `${command.user_name} asked: ${asked}`),
    );
  });

  bolt.event('app_mention', async ({ event }) => {
    if (!event.user) return;
    const thread = event.thread_ts ?? event.ts;
    await handle(
      {
        platform: 'slack',
        user: event.user,
        channel: event.channel,
        thread,
        text: event.text.replace(LEADING_MENTION, ''),
      },
      threadSink(poster, event.channel, thread),
    );
  });

  bolt.message(async ({ message }) => {
    // Direct messages from people; channel messages reach the bot as app_mention instead.
    if (message.channel_type !== 'im' || message.subtype !== undefined || !('user' in message) || !message.user) return;
    const thread = 'thread_ts' in message && message.thread_ts ? message.thread_ts : undefined;
    await handle(
      {
        platform: 'slack',
        user: message.user,
        channel: message.channel,
        ...(thread ? { thread } : {}),
        text: (message.text ?? '').replace(LEADING_MENTION, ''),
      },
      threadSink(poster, message.channel, thread),
    );
  });

  // A button runs its command as if the person who clicked it had typed it: same handlers, same RBAC.
  bolt.action(/^sco:cmd:\d+$/, async ({ action, body, ack }) => {
    await ack();
    const command = 'value' in action && typeof action.value === 'string' ? action.value : undefined;
    const channel = body.channel?.id;
    if (!command || !channel) {
      log.warn('slack action without a command or channel ignored', { type: body.type });
      return;
    }
    const message = 'message' in body ? (body.message as { ts?: string; thread_ts?: string } | undefined) : undefined;
    const thread = message?.thread_ts ?? message?.ts;
    await handle(
      { platform: 'slack', user: body.user.id, channel, ...(thread ? { thread } : {}), text: command },
      threadSink(poster, channel, thread),
    );
  });

  bolt.error(async (err) => {
    log.error('slack listener error', { err });
  });

  return {
    platform: 'slack',
    poster,
    routes:
      receiver instanceof FastifyReceiver
        ? receiver.routes
        : async (fastify) => {
            fastify.post('/slack/events', async (req, reply) =>
              reply.status(503).send({
                error: 'unavailable',
                message: 'Slack is connected over Socket Mode (SLACK_APP_TOKEN); this endpoint is not used',
                request_id: req.id,
              }),
            );
          },
    async start() {
      // Check the token now, so a bad one shows at start-up, not at the first message.
      try {
        const me = await whoami();
        log.info('slack connected', { botUserId: me.botUserId, mode: socketMode ? 'socket' : 'http' });
      } catch (err) {
        log.error(
          'slack auth.test failed: check SLACK_BOT_TOKEN (and SLACK_API_URL); messages will fail until it works',
          { err },
        );
      }
      if (socketMode) await bolt.start();
    },
    async stop() {
      stopping();
      if (socketMode) await bolt.stop();
      else await receiver.stop();
    },
  };
}

/** Replies in a thread (or top level of a DM when not in one). */
function threadSink(poster: ChannelPoster, channel: string, thread: string | undefined): ReplySink {
  return {
    async post(reply) {
      const m = await poster.post(channel, reply, thread);
      return { id: m.id };
    },
    update: (ref, reply) => poster.update({ channel, id: ref.id, thread: thread ?? ref.id }, reply),
  };
}

/**
 * `/ops` replies are posted in the channel so everyone sees them (and their progress). Where the
 * bot may not post (not invited, unknown channel), the reply goes privately to the person
 * through the command's response_url, and edits replace it there.
 */
function slashSink(poster: ChannelPoster, channel: string, respond: RespondFn, asked: string): ReplySink {
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
  };
}
