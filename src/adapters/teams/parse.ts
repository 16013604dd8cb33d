import type { TurnContext } from '@microsoft/agents-hosting';
import type { IncomingMessage } from '../../ports/chat';
import { splitConversationId } from './references';

type Activity = TurnContext['activity'];

export type Inbound =
  { kind: 'message'; message: IncomingMessage; via: 'text' | 'button' } | { kind: 'ignored'; reason: string };

/** Longest command a card button may carry (ours are short: `approve r1a2b3c`). */
const MAX_COMMAND_CHARS = 500;

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

/** Teams' message text as the user typed it: the few HTML entities and tags Teams adds undone. */
function plain(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?(p|div|span)(\s[^>]*)?>/gi, '')
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39);/g, (_, name: string) => ENTITIES[name])
    .replace(/[ \t\u00a0]+/g, ' ')
    .trim();
}

/** Our Action.Submit data (`{ sco: 'cmd', command }`, see card.ts) or undefined for anything else. */
export function submittedCommand(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as { sco?: unknown; command?: unknown };
  if (v.sco !== 'cmd' || typeof v.command !== 'string') return undefined;
  const command = v.command.trim();
  return command && command.length <= MAX_COMMAND_CHARS ? command : undefined;
}

/**
 * A Teams `message` activity as the conversation's IncomingMessage. Typed text loses the bot's
 * @mention (other mentions keep their names); a press of one of our card buttons arrives as
 * `value: { sco: 'cmd', command }` with no text and becomes that command, exactly as if typed.
 * The channel is the conversation without a thread suffix; the thread is the channel thread's
 * root message, else the message replied to.
 */
export function toIncoming(activity: Activity): Inbound {
  const user = activity.from?.aadObjectId ?? activity.from?.id;
  const conversationId = activity.conversation?.id;
  if (!user) return { kind: 'ignored', reason: 'the message has no sender' };
  if (!conversationId) return { kind: 'ignored', reason: 'the message has no conversation' };

  let text: string;
  let via: 'text' | 'button';
  if (activity.value !== undefined && activity.value !== null) {
    const command = submittedCommand(activity.value);
    if (!command) return { kind: 'ignored', reason: 'a card submit whose value is not one of our buttons' };
    text = command;
    via = 'button';
  } else {
    activity.normalizeMentions(true);
    text = plain(activity.text ?? '');
    // Just "@SmartCloudOps": say what the bot can do.
    if (!text) text = 'help';
    via = 'text';
  }

  const { base, thread: root } = splitConversationId(conversationId);
  const thread = root ?? activity.replyToId;
  return {
    kind: 'message',
    via,
    message: {
      platform: 'teams',
      user,
      ...(activity.from?.name ? { userName: activity.from.name } : {}),
      channel: base,
      ...(thread ? { thread } : {}),
      text,
    },
  };
}

/** What makes a body not a Bot Framework activity we can answer, or undefined. */
export function activityProblem(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return 'the body must be a JSON object (a Bot Framework activity)';
  const a = body as { type?: unknown; conversation?: { id?: unknown } | null; serviceUrl?: unknown };
  if (typeof a.type !== 'string' || !a.type) return 'the activity has no type';
  if (
    !a.conversation ||
    typeof a.conversation !== 'object' ||
    typeof a.conversation.id !== 'string' ||
    !a.conversation.id
  )
    return 'the activity has no conversation.id';
  if (typeof a.serviceUrl !== 'string' || !/^https?:\/\/[^/]/i.test(a.serviceUrl))
    return 'the activity has no http(s) serviceUrl';
  try {
    new URL(a.serviceUrl);
  } catch {
    return 'the activity has no http(s) serviceUrl';
  }
  return undefined;
}

/** The SDK's refusal of a body that is not an activity (a ZodError), in a few words for the caller. */
export function zodSummary(err: Error): string {
  const issues = (err as Error & { issues?: Array<{ path?: unknown[]; message?: string }> }).issues;
  if (!Array.isArray(issues) || !issues.length) return 'invalid fields';
  return issues
    .slice(0, 3)
    .map((i) => `${(i.path ?? []).join('.') || '(root)'}: ${i.message ?? 'invalid'}`)
    .join('; ');
}
