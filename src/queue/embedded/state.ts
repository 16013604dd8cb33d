import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors';
import type { Clock } from '../../clock';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store/store';
import { createEventHub, type EventHub } from '../events';
import type { Ended } from './finish';
import { prepareJobSql, type JobRow, type JobSql } from './sql';
import { OWNER_PATTERN } from './owners';
import { checkSettings, createClosedController, type RunControl } from '../shared';
import type { JobDefs, Processors } from '../types';

export interface EmbeddedQueueOptions {
  store: Store;
  name: string;
  logger: Logger;
  /** Finished jobs (completed, failed, cancelled) kept per queue; older ones are pruned. */
  historyLimit: number;
  /** Default attempts per job (AddOptions.attempts overrides). */
  attempts: number;
  /** Default backoff base in ms (AddOptions.backoffMs overrides). */
  backoffMs: number;
  clock?: Clock;
  /** `pid:token` recorded on claimed jobs; defaults to this process and a fresh token. */
  owner?: string;
}

export interface Running {
  row: JobRow;
  control: RunControl;
  /** Why the run was interrupted: a cancel (final) or shutdown (job goes back to waiting). */
  stop?: 'cancel' | 'shutdown';
  done: Promise<void>;
}

/** One embedded queue instance: what its methods and its dispatch loop share. */
export interface EmbeddedState<M extends JobDefs> {
  opts: EmbeddedQueueOptions;
  store: Store;
  queue: string;
  historyLimit: number;
  clock: Clock;
  owner: string;
  log: Logger;
  sql: JobSql;
  events: EventHub;
  closedCtl: AbortController;
  active: Map<string, Running>;
  /** Runs that ended and wait for the next pass to be recorded. */
  ended: Ended[];
  processors: Processors<M> | undefined;
  names: string;
  concurrency: number;
  stopping: boolean;
  closed: boolean;
  closing: Promise<void> | undefined;
  pumpQueued: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Earliest time a delayed job may become due; 0 forces a look. */
  nextDueAt: number;
  recoveredAt: number;
}

export function createEmbeddedState<M extends JobDefs>(opts: EmbeddedQueueOptions): EmbeddedState<M> {
  checkSettings('embedded', opts);
  const { store, name: queue, historyLimit } = opts;
  const clock = opts.clock ?? Date.now;
  const owner = opts.owner ?? `${process.pid}:${randomUUID()}`;
  if (!OWNER_PATTERN.test(owner))
    throw new AppError(
      'config_invalid',
      `embedded queue: owner must look like "pid:token" (got ${JSON.stringify(owner)})`,
    );
  const log = opts.logger.child({ queue, backend: 'embedded' });
  return {
    opts,
    store,
    queue,
    historyLimit,
    clock,
    owner,
    log,
    sql: prepareJobSql(store.db),
    events: createEventHub(log),
    closedCtl: createClosedController(),
    active: new Map<string, Running>(),
    ended: [],
    processors: undefined,
    names: '[]',
    concurrency: 1,
    stopping: false,
    closed: false,
    closing: undefined,
    pumpQueued: false,
    timer: undefined,
    nextDueAt: 0,
    recoveredAt: 0,
  };
}
