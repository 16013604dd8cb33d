import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log/logger';

/** Bolt's and WebClient's logs into ours (and through its redaction of tokens). */
export function boltLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const line = (msg: unknown[]) =>
    msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg: unknown[]) => log.debug(line(msg)),
    info: (...msg: unknown[]) => log.verbose(line(msg)),
    warn: (...msg: unknown[]) => log.warn(line(msg)),
    error: (...msg: unknown[]) => log.error(line(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
