import {
  CloudAdapter,
  createOutboundHostValidator,
  loadOutboundHostValidatorOptionsFromEnv,
  type AuthConfiguration,
  type OutboundUrlPolicy,
  type TurnContext,
} from '@microsoft/agents-hosting';
import type Database from 'better-sqlite3';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Conversation } from '../../chat/conversation';
import type { Config } from '../../config/config';
import type { Logger } from '../../log/logger';
import { ChatApiError, PLATFORM_OFF, type ChatAdapter } from '../../ports/chat';
import { createStoreReplayGuard, type ReplayGuard } from '../replay';
import { createOutbound, type Outbound } from './outbound';
import { activityProblem, toIncoming, zodSummary } from './parse';
import { createReplySink, createTeamsPoster } from './poster';
import { createTeamsReferences, referenceOf, type TeamsReferences } from './references';
import { refusalMessage, verifyTeamsRequest } from './verify';
import { CapturedResponse, sdkRequest } from './web';

export interface TeamsAdapterDeps {
  config: Config['teams'];
  conversation: Conversation;
  db: Database.Database;
  log: Logger;
  /**
   * Entra authority for token checks and the bot's own tokens (default: the public cloud,
   * https://login.microsoftonline.com).
   */
  authority?: string;
  /** Longest wait for a token's signing keys before the request is refused with 401 (default 5 s). */
  authTimeoutMs?: number;
  /**
   * Longest the HTTP request waits for the first reply to be posted before answering anyway
   * (default 10 s; Teams gives up at 15 s).
   */
  ackTimeoutMs?: number;
  /** Longest one connector call may take (default 15 s). */
  connectorTimeoutMs?: number;
}

type Activity = TurnContext['activity'];

/** How long an activity id is remembered: the Bot Framework redelivers within seconds, a token lives an hour. */
const REDELIVERY_WINDOW_MS = 60 * 60_000;

/**
 * With TEAMS_AUTH=off the bot still posts only to Microsoft's hosts and the local machine (Bot
 * Framework Emulator, tests).
 */
const DEV_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The SDK's side of the adapter, when Teams is configured and could be set up. */
interface Sdk {
  adapter: CloudAdapter;
  /** The outbound host allow-list (also checked on each activity's serviceUrl). */
  hosts: OutboundUrlPolicy;
  outbound: Outbound;
}

/**
 * Microsoft Teams through the Microsoft 365 Agents SDK: `POST /api/messages` takes Bot Framework
 * activities (JWT-checked by the SDK unless TEAMS_AUTH=off), runs messages and card-button presses
 * through the conversation, and answers with Adaptive Cards through the connector at the
 * activity's serviceUrl. Every conversation seen is remembered (SQLite) for proactive posts; an
 * activity delivered again (same id in the same conversation) is acted on once.
 */
export function createTeamsAdapter(deps: TeamsAdapterDeps): ChatAdapter {
  const log = deps.log.child({ component: 'teams' });
  const references = createTeamsReferences(deps.db);
  const sdk = connect(deps, log);
  const turn = turnHandler({
    references,
    // Kept in the store like Slack's replays without Redis: a redelivery is dropped after a restart too.
    delivered: createStoreReplayGuard(deps.db),
    conversation: deps.conversation,
    outbound: sdk?.outbound,
    ackTimeoutMs: deps.ackTimeoutMs ?? 10_000,
    log,
  });
  const messages = messagesRoute(
    sdk,
    turn,
    { authOff: deps.config.authOff, timeoutMs: deps.authTimeoutMs ?? 5000 },
    log,
  );
  const routes: FastifyPluginAsync = async (app) => {
    app.post('/api/messages', messages);
  };

  return {
    platform: 'teams',
    poster: createTeamsPoster(references, () => sdk?.outbound),
    routes,
    async start() {},
    async stop() {},
  };
}

/** The SDK's CloudAdapter, host allow-list and connector calls; undefined when Teams is off or cannot be set up. */
function connect(deps: TeamsAdapterDeps, log: Logger): Sdk | undefined {
  const { appId, appPassword, tenantId, authOff } = deps.config;
  if (!appId && !authOff)
    log.debug('Teams is not configured (no TEAMS_APP_ID, TEAMS_AUTH on): /api/messages answers 503');
  if (authOff)
    log.warn(
      'TEAMS_AUTH=off: /api/messages accepts activities without a Bot Framework token;' +
        ' for local development only, never in production',
    );
  if (!appId && !authOff) return undefined;
  try {
    const authConfig: AuthConfiguration = {
      ...(appId ? { clientId: appId } : {}),
      ...(appPassword ? { clientSecret: appPassword } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(deps.authority ? { authorityEndpoint: deps.authority } : {}),
      validateIssuer: true,
    };
    // The allow-list is always on: Microsoft's connector hosts (plus OutboundHostValidator__Hosts),
    // and the local machine only when auth is off. It also enforces the token's serviceurl claim.
    const hosts = createOutboundHostValidator(
      authOff
        ? { enabled: true, hosts: [...DEV_HOSTS, ...(loadOutboundHostValidatorOptionsFromEnv().hosts ?? [])] }
        : { enabled: true },
    );
    const adapter = new CloudAdapter(
      authConfig,
      undefined,
      undefined,
      { emitStackTrace: false, validateServiceUrl: true },
      hosts,
    );
    // The SDK's default posts "The agent encountered an error" into the chat; ours reaches our own catch.
    adapter.onTurnError = async (_context, err) => {
      throw err;
    };
    const outbound = createOutbound({
      adapter,
      identity: appId && appPassword ? CloudAdapter.createIdentity(appId) : {},
      timeoutMs: deps.connectorTimeoutMs ?? 15_000,
    });
    return { adapter, hosts, outbound };
  } catch (err) {
    log.error('the Teams adapter could not be set up; /api/messages answers 503', { err });
    return undefined;
  }
}

interface TurnDeps {
  references: TeamsReferences;
  delivered: ReplayGuard;
  conversation: Conversation;
  outbound: Outbound | undefined;
  ackTimeoutMs: number;
  log: Logger;
}

/** One turn: remember the conversation, then answer a message (the job it starts runs on). */
function turnHandler(deps: TurnDeps): (context: TurnContext) => Promise<void> {
  const { references, log } = deps;
  const onMessage = messageHandler(deps);
  return async function turn(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const conversationId = activity.conversation?.id;
    try {
      switch (activity.type) {
        case 'message':
          references.save(activity);
          await onMessage(activity);
          return;
        case 'conversationUpdate':
          if (activity.membersRemoved?.some((m) => m.id && m.id === activity.recipient?.id)) {
            references.remove(conversationId ?? '');
            log.info('removed from a Teams conversation', { conversation: conversationId });
          } else references.save(activity);
          return;
        case 'installationUpdate':
          if (activity.action === 'remove') references.remove(conversationId ?? '');
          else references.save(activity);
          return;
        default:
          log.debug('Teams activity ignored', { type: activity.type, conversation: conversationId });
      }
    } catch (err) {
      log.error('Teams activity failed', { err, type: activity.type, conversation: conversationId });
    }
  };
}

/** A message activity through the conversation, answered in its own conversation (parse.ts, poster.ts). */
function messageHandler(deps: TurnDeps): (activity: Activity) => Promise<void> {
  const { delivered, outbound, log } = deps;
  return async function onMessage(activity: Activity): Promise<void> {
    // A redelivered (or captured and resent) activity is answered 200 and not acted on again.
    if (
      activity.id &&
      !(await delivered.firstSight(
        `${activity.conversation?.id ?? ''}\u0000${activity.id}`,
        Date.now() + REDELIVERY_WINDOW_MS,
      ))
    ) {
      log.info('Teams activity delivered again: dropped', {
        activity: activity.id,
        conversation: activity.conversation?.id,
      });
      return;
    }
    const inbound = toIncoming(activity);
    const reference = referenceOf(activity);
    if (inbound.kind === 'ignored' || !reference || !outbound) {
      log.warn('Teams message ignored', {
        reason: inbound.kind === 'ignored' ? inbound.reason : 'no serviceUrl to answer at',
        conversation: activity.conversation?.id,
        activity: activity.id,
      });
      return;
    }
    const sink = createReplySink(
      outbound,
      reference,
      activity.conversation?.id ?? inbound.message.channel,
      activity.id,
    );
    const conversation = inbound.message.channel;
    const handling = deps.conversation.handleMessage(inbound.message, sink).then(
      (handled) => {
        handled.done.catch((err: unknown) => log.error('a Teams job update failed', { err, conversation }));
      },
      (err: unknown) => {
        log.error('a Teams message could not be answered', {
          err,
          conversation,
          via: inbound.via,
          code: err instanceof ChatApiError ? err.code : undefined,
          status: err instanceof ChatApiError ? err.status : undefined,
        });
      },
    );
    // Answer Teams once the first reply is out, or at the deadline; the rest carries on.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([handling, new Promise<void>((resolve) => (timer = setTimeout(resolve, deps.ackTimeoutMs)))]);
    clearTimeout(timer);
  };
}

/**
 * `POST /api/messages`: 503 while Teams is off, the token check (verify.ts), the body check
 * (parse.ts), then the SDK.
 */
function messagesRoute(
  sdk: Sdk | undefined,
  turn: (context: TurnContext) => Promise<void>,
  auth: { authOff: boolean; timeoutMs: number },
  log: Logger,
) {
  return async function messages(req: FastifyRequest, reply: FastifyReply) {
    const fail = (status: number, error: string, message: string) =>
      reply.status(status).send({ error, message, request_id: req.id });
    if (!sdk) return fail(503, PLATFORM_OFF.teams.error, PLATFORM_OFF.teams.message);
    const sdkReq = sdkRequest(req);
    const verdict = await verifyTeamsRequest(sdk.adapter, sdkReq, auth);
    if (!verdict.ok) {
      log.warn('Teams request refused: no valid Bot Framework token', {
        reason: verdict.reason,
        ip: req.ip,
        req: req.id,
      });
      void reply.header('www-authenticate', 'Bearer');
      return fail(401, 'unauthorized', refusalMessage(verdict.reason));
    }
    const problem = activityProblem(req.body);
    if (problem) {
      log.info('Teams request rejected', { problem, req: req.id });
      return fail(400, 'bad_request', problem);
    }
    const serviceUrl = (req.body as { serviceUrl: string }).serviceUrl;
    if (!sdk.hosts.isAllowed(serviceUrl)) {
      log.warn('Teams activity refused: serviceUrl host not allowed', { serviceUrl, req: req.id });
      return fail(400, 'bad_request', `serviceUrl ${new URL(serviceUrl).host} is not an allowed Bot Framework host`);
    }
    const res = new CapturedResponse();
    try {
      await sdk.adapter.process(sdkReq, res, turn);
    } catch (err) {
      if (err instanceof Error && err.name === 'ZodError') {
        log.info('Teams request rejected: not an activity', { req: req.id });
        return fail(400, 'bad_request', `not a Bot Framework activity: ${zodSummary(err)}`);
      }
      log.error('Teams activity could not be processed', { err, req: req.id });
      return fail(500, 'internal', 'the activity could not be processed; see the server log for this request id');
    }
    if (res.statusCode === 400 && res.body === undefined)
      return fail(
        400,
        'bad_request',
        'the activity was refused (its serviceUrl does not match the token or is not allowed)',
      );
    void reply.status(res.statusCode);
    if (res.body === undefined) return reply.send();
    return reply.type('application/json').send(res.body);
  };
}
