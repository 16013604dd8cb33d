import type { IncomingMessage } from '../../ports/chat';

/** A line typed at the console as the conversation's message: the user acts under their console name. */
export function consoleMessage(user: string, channel: string, text: string): IncomingMessage {
  return { platform: 'console', user, userName: user, channel, text };
}
