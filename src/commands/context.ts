import type { Role } from '../config/config';
import type { Logger } from '../log/logger';
import type { Reply } from '../reply/model';

export type Platform = 'console' | 'slack' | 'teams' | 'http';

export interface Actor {
  /** Stable id, e.g. `console:alice` or `slack:U024BE7LH`. */
  id: string;
  name: string;
  role: Role;
}

export interface CommandContext {
  actor: Actor;
  platform: Platform;
  channel: string;
  thread?: string;
  log: Logger;
}

export interface CommandOutcome {
  reply: Reply;
  /** Set when the command started a job: the caller follows it and posts its result. */
  job?: { id: string; name: string };
  /** How it went, for chat_messages_total{outcome}. */
  outcome: 'replied' | 'enqueued' | 'denied' | 'invalid' | 'unknown' | 'error';
}
