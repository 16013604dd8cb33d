import type { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../../log/logger';

type SocketModeClient = SocketModeReceiver['client'];

/**
 * Works around slackapi/node-slack-sdk#2656 (still in @slack/socket-mode 3.1.0): when Slack
 * asks for a reconnect, the client calls its own `start()` from a timer and drops the promise.
 * If we stop while that reconnect is still connecting, `start()` rejects with `undefined` and
 * Node ends the process with an unhandled rejection. Once we are stopping, that rejection is
 * the expected end of the reconnect, so it is swallowed then and only then: a failing start
 * while running still rejects as before.
 *
 * Returns the function to call before disconnecting.
 */
export function guardReconnectOnStop(client: SocketModeClient, log: Logger): () => void {
  let stopping = false;
  const start = client.start.bind(client);
  client.start = () =>
    start().catch((err: unknown) => {
      if (!stopping) throw err;
      log.debug('slack socket mode: reconnect abandoned because we are stopping');
      return undefined as unknown as Awaited<ReturnType<SocketModeClient['start']>>;
    });
  return () => {
    stopping = true;
  };
}
