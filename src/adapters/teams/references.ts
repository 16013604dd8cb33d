import type Database from 'better-sqlite3';
import type { CloudAdapter } from '@microsoft/agents-hosting';

/**
 * The SDK's ConversationReference (from @microsoft/agents-activity, which we reach only through the
 * hosting package).
 */
export type ConversationReference = Parameters<CloudAdapter['continueConversation']>[1];

/** What an activity tells us about where it came from (the parts a reference is made of). */
export interface ActivityOrigin {
  channelId?: string;
  serviceUrl?: string;
  locale?: string;
  recipient?: { id?: string; name?: string } | null;
  conversation?: { id?: string; conversationType?: string; tenantId?: string; isGroup?: boolean; name?: string } | null;
  channelData?: unknown;
}

const THREAD = ';messageid=';

/**
 * A Teams conversation id split into the conversation and, for a channel thread
 * (`19:…@thread.tacv2;messageid=1700000000000`), the thread's root message id.
 */
export function splitConversationId(id: string): { base: string; thread?: string } {
  const at = id.indexOf(THREAD);
  if (at < 0) return { base: id };
  const thread = id.slice(at + THREAD.length);
  return thread ? { base: id.slice(0, at), thread } : { base: id.slice(0, at) };
}

/** The conversation id that posts into `thread` of channel `base` (Teams' `;messageid=` convention). */
export function threadConversationId(base: string, thread: string): string {
  return `${base}${THREAD}${thread}`;
}

/** The tenant an activity belongs to: the conversation's, else Teams' channelData.tenant. */
function tenantOf(origin: ActivityOrigin): string | undefined {
  const fromData = (origin.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  return origin.conversation?.tenantId ?? (typeof fromData === 'string' ? fromData : undefined);
}

/**
 * The reference to keep for proactive posts: the conversation without its thread suffix, the
 * service URL, the bot's own account. The user is left out: posting needs no one's identity.
 */
export function referenceOf(origin: ActivityOrigin): ConversationReference | undefined {
  const id = origin.conversation?.id;
  if (!id || !origin.serviceUrl || !origin.channelId) return undefined;
  const c = origin.conversation ?? {};
  const tenantId = tenantOf(origin);
  return {
    channelId: origin.channelId,
    serviceUrl: origin.serviceUrl,
    ...(origin.locale ? { locale: origin.locale } : {}),
    conversation: {
      id: splitConversationId(id).base,
      ...(c.conversationType ? { conversationType: c.conversationType } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(typeof c.isGroup === 'boolean' ? { isGroup: c.isGroup } : {}),
      ...(c.name ? { name: c.name } : {}),
    },
    agent: origin.recipient?.id
      ? { id: origin.recipient.id, ...(origin.recipient.name ? { name: origin.recipient.name } : {}) }
      : undefined,
  } as ConversationReference;
}

export interface TeamsReferences {
  /** Keep (or refresh) the reference of the conversation an activity came from. */
  save(origin: ActivityOrigin): void;
  get(conversationId: string): ConversationReference | undefined;
  /** Forget a conversation (the bot was removed from it). */
  remove(conversationId: string): void;
}

/** Conversation references in SQLite (migration 006-teams). */
export function createTeamsReferences(db: Database.Database, clock: () => number = Date.now): TeamsReferences {
  const upsert = db.prepare(
    'INSERT INTO teams_conversations (conversation_id, reference, updated_at) VALUES (?, ?, ?) ' +
      'ON CONFLICT (conversation_id) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at',
  );
  const select = db.prepare('SELECT reference FROM teams_conversations WHERE conversation_id = ?').pluck();
  const del = db.prepare('DELETE FROM teams_conversations WHERE conversation_id = ?');
  return {
    save(origin) {
      const reference = referenceOf(origin);
      if (reference) upsert.run(reference.conversation.id, JSON.stringify(reference), clock());
    },
    get(conversationId) {
      const raw = select.get(splitConversationId(conversationId).base) as string | undefined;
      return raw ? (JSON.parse(raw) as ConversationReference) : undefined;
    },
    remove(conversationId) {
      del.run(splitConversationId(conversationId).base);
    },
  };
}
