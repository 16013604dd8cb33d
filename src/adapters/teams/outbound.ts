import { HttpError, MessageFactory, type CloudAdapter, type ConnectorClient } from '@microsoft/agents-hosting';
import type { JwtPayload } from 'jsonwebtoken';
import type { Reply } from '../../reply/model';
import { ChatApiError } from '../../ports/chat';
import type { ConversationReference } from './references';
import { renderAdaptiveCard } from './render';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** An outgoing activity as the SDK builds it (its Activity class, reached through MessageFactory). */
type OutgoingActivity = ReturnType<typeof MessageFactory.attachment>;

/** Posts and edits Adaptive Cards through the Bot Framework connector at a reference's serviceUrl. */
export interface Outbound {
  /** A new message in `conversationId`, or a reply to `replyToId` in it; resolves to the new activity's id. */
  send(reference: ConversationReference, conversationId: string, reply: Reply, replyToId?: string): Promise<string>;
  /** Replace the card of activity `activityId` (PUT …/activities/{id}). */
  update(reference: ConversationReference, conversationId: string, activityId: string, reply: Reply): Promise<void>;
}

export interface OutboundDeps {
  adapter: CloudAdapter;
  /** Who the bot is to the connector: `{ aud: appId }` gets a token from Entra; `{}` sends none (TEAMS_AUTH=off). */
  identity: JwtPayload;
  /** Longest one connector call may take. */
  timeoutMs: number;
}

/**
 * Every call goes through the SDK's `continueConversation` (outbound host policy, token for the
 * bot's identity) and then the turn's ConnectorClient, so the exact REST call is ours: POST
 * …/activities for a new message, POST …/activities/{replyToId} for a reply, PUT for an edit.
 * Failures reject with a ChatApiError; nothing throws synchronously.
 */
export function createOutbound(deps: OutboundDeps): Outbound {
  async function call<T>(
    reference: ConversationReference,
    what: string,
    fn: (client: ConnectorClient) => Promise<T>,
  ): Promise<T> {
    let result: T | undefined;
    let done = false;
    const work = deps.adapter.continueConversation(deps.identity, reference, async (ctx) => {
      const client = ctx.turnState.get<ConnectorClient | undefined>(deps.adapter.ConnectorClientKey);
      if (!client)
        throw new ChatApiError(
          'teams',
          'no_connector',
          `${what}: no connector client for ${reference.serviceUrl ?? 'the conversation'}`,
        );
      result = await fn(client);
      done = true;
    });
    try {
      await withTimeout(work, deps.timeoutMs, what);
    } catch (err) {
      throw toChatApiError(err, what);
    }
    if (!done) throw new ChatApiError('teams', 'not_sent', `${what}: the connector call did not run`);
    return result as T;
  }

  return {
    async send(reference, conversationId, reply, replyToId) {
      const activity = cardActivity(reference, conversationId, reply);
      const what = `posting to Teams conversation ${conversationId}`;
      const response = await call(reference, what, (client) =>
        replyToId
          ? client.replyToActivity(conversationId, replyToId, activity)
          : client.sendToConversation(conversationId, activity),
      );
      return response?.id ?? '';
    },
    async update(reference, conversationId, activityId, reply) {
      if (!activityId)
        throw new ChatApiError('teams', 'message_not_found', 'cannot edit a Teams message without its activity id');
      const activity = cardActivity(reference, conversationId, reply);
      activity.id = activityId;
      await call(reference, `editing Teams message ${activityId}`, (client) =>
        client.updateActivity(conversationId, activityId, activity),
      );
    },
  };
}

/** A message activity carrying the reply as an Adaptive Card, its one-line summary for notifications. */
export function cardActivity(reference: ConversationReference, conversationId: string, reply: Reply): OutgoingActivity {
  const { card, text } = renderAdaptiveCard(reply);
  const activity = MessageFactory.attachment({ contentType: ADAPTIVE_CARD, content: card });
  activity.channelId = reference.channelId;
  activity.serviceUrl = reference.serviceUrl;
  activity.conversation = { ...reference.conversation, id: conversationId };
  if (reference.agent) activity.from = reference.agent;
  if (text) activity.summary = text;
  return activity;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChatApiError('teams', 'timeout', `${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `ConversationNotFound` -> `conversation_not_found`: the connector's error code in our style. */
function snake(code: string): string {
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/** Any failure of a connector call as a ChatApiError: HTTP errors keep their status and the connector's code. */
export function toChatApiError(err: unknown, what: string): ChatApiError {
  if (err instanceof ChatApiError) return err;
  if (err instanceof HttpError) {
    const data = err.response?.data as { error?: { code?: unknown; message?: unknown } } | undefined;
    const code =
      typeof data?.error?.code === 'string' && data.error.code ? snake(data.error.code) : `http_${err.status}`;
    const detail = typeof data?.error?.message === 'string' ? `: ${data.error.message}` : '';
    return new ChatApiError('teams', code, `${what} failed: HTTP ${err.status}${detail}`, err.status);
  }
  const e = err as { description?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.description === 'string' && /allowed hosts/i.test(e.description)) {
    return new ChatApiError('teams', 'service_url_not_allowed', `${what} refused: ${e.description}`);
  }
  const cause = typeof e?.cause?.code === 'string' ? ` (${e.cause.code})` : '';
  const message =
    typeof e?.description === 'string' ? e.description : typeof e?.message === 'string' ? e.message : String(err);
  return new ChatApiError('teams', 'request_failed', `${what} failed: ${message}${cause}`);
}
