/** The remediation service's shapes: what it is built from, what it takes and what it answers. */
import type { AuditLog } from '../audit/types';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import { withinMs } from '../queue/shared';
import type { ActionCatalog } from './catalog';
import type { Origin, RemediationStore, StoredRequest } from './store';
import type { ActionName, Executor, ExecutorKind, RemediationRequest } from './types';
import type { People } from './view';

/** Consecutive failures of one action on one target that open its breaker. */
export const BREAKER_OPEN_AFTER = 3;
/** How long a request or an approval waits for the queue before answering that it will start later. */
export const ENQUEUE_WAIT_MS = 5_000;
/** How a request ended, for remediations_total{action,outcome}. */
export type RemediationOutcome = 'succeeded' | 'failed' | 'unknown' | 'denied' | 'expired';

export interface RemediationMetrics {
  outcome(action: ActionName, outcome: RemediationOutcome): void;
  /** Seconds from the request to its last needed approval. */
  approvalWait(seconds: number): void;
}

export interface RemediationDeps {
  store: RemediationStore;
  catalog: ActionCatalog;
  executors: Partial<Record<ExecutorKind, Executor>>;
  /** On the store's database, so a state change and its audit record commit together. */
  audit: AuditLog;
  clock: Clock;
  /** Puts the request's execution on the queue (job id = request id, so a duplicate adds nothing). */
  enqueue(request: StoredRequest): Promise<void>;
  /** The state of the request's job (job id = request id), or undefined when there is none. */
  jobState?(id: string): Promise<string | undefined>;
  metrics?: RemediationMetrics;
  /**
   * The person a stored person id stands for now (identity.ts `personNow`: a chat id linked since);
   * default: itself.
   */
  personNow?: (person: string) => string;
  /** Names and emails of people, for REST answers. */
  people?: People;
  log?: Logger;
  /** The random part of new request ids (tests inject collisions); 6 hex digits. */
  randomId?: () => string;
  enqueueWaitMs?: number;
}

export interface NewRemediation {
  action: ActionName;
  target: string;
  params: RemediationRequest['params'];
  dryRun: boolean;
  origin: Origin;
}

/**
 * `queued` is false when the queue could not take the job now: the request is recorded and
 * recovery starts it later; `queueProblem` then says why, in words for the user (it names the queue).
 */
export interface Decided {
  request: StoredRequest;
  started: boolean;
  queued: boolean;
  queueProblem?: string;
}

/** What `request` and `approve` tell about the enqueue (see Decided). */
export type Enqueued = Pick<Decided, 'queued' | 'queueProblem'>;

export type Refusal = { refusal: string; code: 'forbidden' | 'conflict' };

export const JOB_LIVE = new Set(['waiting', 'delayed', 'active']);

/** `p`, or a rejection once `ms` have passed (a dead or frozen queue must not hang the caller). */
export const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  withinMs(p, ms, () => new Error(`the queue did not answer within ${ms} ms`));
