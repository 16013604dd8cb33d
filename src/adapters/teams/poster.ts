import { ChatApiError, PLATFORM_OFF, type ChannelPoster, type ReplySink } from '../../ports/chat';
import type { Outbound } from './outbound';
import {
  splitConversationId,
  threadConversationId,
  type ConversationReference,
  type TeamsReferences,
} from './references';

/**
 * Where the answers to one incoming message go: a reply to it in its own conversation (a channel
 * thread keeps its `;messageid=` suffix), and edits of that reply in place.
 */
export function createReplySink(
  outbound: Outbound,
  reference: ConversationReference,
  conversationId: string,
  replyToId: string | undefined,
): ReplySink {
  return {
    async post(reply) {
      return { id: await outbound.send(reference, conversationId, reply, replyToId) };
    },
    async update(ref, reply) {
      await outbound.update(reference, conversationId, ref.id, reply);
    },
  };
}

/**
 * Proactive posts into conversations the bot has seen (their stored references). `channel` is a
 * conversation id; `thread` the root message of a channel thread (posted to as
 * `channel;messageid=thread`, Teams' convention) or, in chats, the message replied to. A new
 * top-level post starts a thread of its own: its id is the thread further replies go under.
 */
export function createTeamsPoster(references: TeamsReferences, outbound: () => Outbound | undefined): ChannelPoster {
  function lookup(channel: string): { reference: ConversationReference; out: Outbound } {
    const out = outbound();
    if (!out) throw new ChatApiError('teams', 'not_configured', PLATFORM_OFF.teams.message);
    const reference = references.get(channel);
    if (!reference)
      throw new ChatApiError(
        'teams',
        'conversation_not_found',
        `no Teams conversation ${channel} is known: add the bot to it (or message it there) first`,
      );
    return { reference, out };
  }
  const isChannel = (reference: ConversationReference) => reference.conversation.conversationType === 'channel';

  return {
    async post(channel, reply, thread) {
      const { reference, out } = lookup(channel);
      const base = reference.conversation.id;
      const root = thread ?? splitConversationId(channel).thread;
      if (root) {
        const id = await out.send(
          reference,
          isChannel(reference) ? threadConversationId(base, root) : base,
          reply,
          root,
        );
        return { channel: base, id, thread: root };
      }
      const id = await out.send(reference, base, reply);
      return { channel: base, id, thread: id };
    },
    async update(message, reply) {
      const { reference, out } = lookup(message.channel);
      const base = reference.conversation.id;
      const inThread = isChannel(reference) && message.thread && message.thread !== message.id;
      await out.update(reference, inThread ? threadConversationId(base, message.thread) : base, message.id, reply);
    },
  };
}
