import type { IncomingMessage } from '../../ports/chat';

/**
 * Slack's payloads as the conversation's IncomingMessage: pure functions over the fields Slack
 * sends (https://api.slack.com/events/app_mention, /events/message.im, slash commands,
 * block_actions interactions). Undefined means the payload is not a message for the bot.
 */

/** The bot's @mention (and any others) at the start of a message, with what separates them from the text. */
const LEADING_MENTION = /^\s*(<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*)+/i;

/** The fields of an `app_mention` event that make a message. */
export interface SlackMention {
  user?: string;
  channel: string;
  text: string;
  ts: string;
  thread_ts?: string;
}

/** The fields of a `message` event that make a direct message. */
export interface SlackMessageEvent {
  channel: string;
  channel_type?: string;
  subtype?: string;
  user?: string;
  text?: string;
  thread_ts?: string;
}

/** The fields of a slash command's (form-encoded) body that make a message. */
export interface SlackSlashCommand {
  user_id: string;
  user_name: string;
  channel_id: string;
  text: string;
}

/** The fields of an interaction (a `block_actions` payload) that make a message. */
export interface SlackInteraction {
  user: { id: string };
  channel?: { id: string };
}

/** A mention in a channel: answered in its thread, or in a new thread under it. */
export function parseAppMention(event: SlackMention): IncomingMessage | undefined {
  if (!event.user) return undefined;
  return {
    platform: 'slack',
    user: event.user,
    channel: event.channel,
    thread: event.thread_ts ?? event.ts,
    text: event.text.replace(LEADING_MENTION, ''),
  };
}

/**
 * A direct message from a person (no subtype: not an edit, a join or a bot's post); channel
 * messages reach the bot as app_mention instead. Answered in its thread when it is in one.
 */
export function parseDirectMessage(message: SlackMessageEvent): IncomingMessage | undefined {
  if (message.channel_type !== 'im' || message.subtype !== undefined || !message.user) return undefined;
  const thread = message.thread_ts ? message.thread_ts : undefined;
  return {
    platform: 'slack',
    user: message.user,
    channel: message.channel,
    ...(thread ? { thread } : {}),
    text: (message.text ?? '').replace(LEADING_MENTION, ''),
  };
}

/** `/ops TEXT` as typed, so the conversation sees the explicit command marker. */
export function parseSlashCommand(command: SlackSlashCommand): IncomingMessage {
  return {
    platform: 'slack',
    user: command.user_id,
    userName: command.user_name,
    channel: command.channel_id,
    text: `/ops ${command.text}`.trim(),
  };
}

/**
 * A press of one of our buttons (`sco:cmd:N`, its value the command): the command as if the
 * person who pressed it had typed it, in the thread of the message holding the button. Undefined
 * when the button carries no command or the interaction no channel.
 */
export function parseBlockAction(action: object, body: SlackInteraction): IncomingMessage | undefined {
  const value = (action as { value?: unknown }).value;
  const command = typeof value === 'string' ? value : undefined;
  const channel = body.channel?.id;
  if (!command || !channel) return undefined;
  const message = (body as { message?: { ts?: string; thread_ts?: string } }).message;
  const thread = message?.thread_ts ?? message?.ts;
  return { platform: 'slack', user: body.user.id, channel, ...(thread ? { thread } : {}), text: command };
}
