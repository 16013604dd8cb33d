import type { Principal } from '../auth/permissions';
import type { AuditLog } from '../audit/types';
import type { Logger } from '../log/logger';
import type { MessagePlatform } from '../ports/chat';
import type { Reply } from '../reply/model';
import type { FeedbackRecord } from '../models/feedback';
import type { PostmortemDraft } from '../investigate/postmortem/types';

/** Who sent a command: id e.g. `console:alice`, `slack:U024BE7LH`, `user:ID`, `apikey:ID`. */
export type Actor = Principal;

export interface CommandContext {
  actor: Actor;
  platform: MessagePlatform;
  channel: string;
  thread?: string;
  log: Logger;
  /** Denials and privileged commands are recorded here when present. */
  audit?: AuditLog;
}

export interface CommandOutcome {
  reply: Reply;
  /** Set when the command started a job: the caller follows it and posts its result. */
  job?: { id: string; name: string };
  /** The remediation request the command created or decided (REST answers with the request itself). */
  request?: string;
  /**
   * A refusal already in the audit log (the remediation service records each of its own), so no
   * caller records it again.
   */
  audited?: boolean;
  /** The label a `feedback` command stored (REST answers with it). */
  feedback?: FeedbackRecord;
  /** The draft a `postmortem` command wrote (REST answers with it). */
  postmortem?: PostmortemDraft;
  /** An `invalid` answer because the id named nothing (REST 404). */
  notFound?: boolean;
  /**
   * How it went, for chat_messages_total{outcome}. `unavailable`: a dependency (Redis) is down; try
   * again (REST 503).
   */
  outcome: 'replied' | 'enqueued' | 'denied' | 'invalid' | 'unknown' | 'unavailable' | 'error';
}
