import { App as BoltApp, SocketModeReceiver, webApi } from '@slack/bolt';
import type { FastifyPluginAsync } from 'fastify';
import type { Conversation } from '../../chat/conversation';
import type { Config } from '../../config/config';
import type { Logger } from '../../log/logger';
import type { ChatAdapter, IncomingMessage, ReplySink } from '../../ports/chat';
import type { Db } from '../../store/store';
import { boltLogger } from './bolt-logger';
import { parseAppMention, parseBlockAction, parseDirectMessage, parseSlashCommand } from './parse';
import { createSlackPoster, slashSink, threadSink, type SlackPoster } from './poster';
import { FastifyReceiver } from './receiver';
import { createStoreReplayGuard, type ReplayGuard } from '../replay';
import { createRedisReplayGuard } from './replay';
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

type Handle = (msg: IncomingMessage, sink: ReplySink) => Promise<void>;

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
  const whoami = botIdentity(client);

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

  listen(bolt, poster, log, async (msg, sink) => {
    try {
      await conversation.handleMessage(msg, sink);
    } catch (err) {
      log.error('slack message failed', { err, channel: msg.channel });
    }
  });

  return {
    platform: 'slack',
    poster,
    routes: receiver instanceof FastifyReceiver ? receiver.routes : socketModeRoutes,
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

/** Who the bot is (auth.test), asked once and again only after a failure. */
function botIdentity(client: webApi.WebClient): () => Promise<{ botId: string; botUserId: string }> {
  let identity: Promise<{ botId: string; botUserId: string }> | undefined;
  return () =>
    (identity ??= client.auth.test().then(
      (r) => ({ botId: String(r.bot_id), botUserId: String(r.user_id) }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    ));
}

/** The listeners: each acks first, turns its payload into a message (parse.ts) and hands it on. */
function listen(bolt: BoltApp, poster: SlackPoster, log: Logger, handle: Handle): void {
  /** Who asked: a job's steps stream to them (Slack requires the recipient outside DMs). */
  const asker = (msg: IncomingMessage, team: string | undefined) => ({ user: msg.user, ...(team ? { team } : {}) });

  bolt.command('/ops', async ({ command, ack, respond, context }) => {
    await ack();
    const msg = parseSlashCommand(command);
    const asked = `${command.user_name} asked: ${msg.text}`;
    await handle(msg, slashSink(poster, msg.channel, respond, asked, asker(msg, context.teamId)));
  });

  bolt.event('app_mention', async ({ event, context }) => {
    const msg = parseAppMention(event);
    if (msg) await handle(msg, threadSink(poster, msg.channel, msg.thread, asker(msg, context.teamId)));
  });

  bolt.message(async ({ message, context }) => {
    const msg = parseDirectMessage(message);
    if (msg) await handle(msg, threadSink(poster, msg.channel, msg.thread, asker(msg, context.teamId)));
  });

  // A button runs its command as if the person who clicked it had typed it: same handlers, same RBAC.
  bolt.action(/^sco:cmd:\d+$/, async ({ action, body, ack, context }) => {
    await ack();
    const msg = parseBlockAction(action, body);
    if (!msg) {
      log.warn('slack action without a command or channel ignored', { type: body.type });
      return;
    }
    await handle(msg, threadSink(poster, msg.channel, msg.thread, asker(msg, context.teamId)));
  });

  bolt.error(async (err) => {
    log.error('slack listener error', { err });
  });
}

/** Over Socket Mode the HTTP endpoint is not used: it says so. */
const socketModeRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.post('/slack/events', async (req, reply) =>
    reply.status(503).send({
      error: 'unavailable',
      message: 'Slack is connected over Socket Mode (SLACK_APP_TOKEN); this endpoint is not used',
      request_id: req.id,
    }),
  );
};
