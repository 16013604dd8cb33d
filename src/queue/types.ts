import type { Logger } from '../log/logger';
import type { MessagePlatform } from '../ports/chat';
import type { Step } from '../reply/model';

/**
 * The queue port. One interface, two backends (embedded SQLite, BullMQ on Redis), one shared
 * contract test suite (tests/queue/contract.ts). Typed by a job map: job name -> data and result.
 */
export interface JobDef {
  data: unknown;
  result: unknown;
}
export type JobDefs = { [name: string]: JobDef };
export type JobName<M extends JobDefs> = keyof M & string;

export const JOB_STATES = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

export interface JobProgress {
  /** 0..100 */
  percent: number;
  message?: string;
  /**
   * The job's steps so far, the whole list each time (a step is added as `running`, then reported
   * `done` or `failed`); the chat follower shows them in place (src/chat/follow.ts). See ./steps.ts.
   * A later report without steps keeps these.
   */
  steps?: Step[];
}

/** Who asked and where to answer; carried with the job so any process can reply. */
export interface JobMeta {
  requestedBy?: string;
  platform?: MessagePlatform;
  channel?: string;
  thread?: string;
  /** The W3C trace context the job was enqueued in (./traced.ts): its run is a span of the same trace. */
  traceparent?: string;
  tracestate?: string;
}

export interface JobInfo<M extends JobDefs = JobDefs, N extends JobName<M> = JobName<M>> {
  id: string;
  name: N;
  data: M[N]['data'];
  meta: JobMeta;
  state: JobState;
  /**
   * While waiting or running: the last report. Completed: 100%. Failed or cancelled: null (a finished job shows no
   * bar).
   */
  progress: JobProgress | null;
  attemptsMade: number;
  maxAttempts: number;
  result?: M[N]['result'];
  error?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /**
   * The worker that took it last (BullMQ: its name, `<host>:<pid>` unless set); a job that was running in a worker
   * that died names the one that took it over. The embedded queue runs jobs in its own process: absent.
   */
  worker?: string;
}

export interface AddOptions {
  /** Idempotency: adding an id that exists returns the existing job and adds nothing. */
  jobId?: string;
  attempts?: number;
  /** Base of the exponential backoff between attempts: base * 2^(attempt-1). */
  backoffMs?: number;
  delayMs?: number;
  meta?: JobMeta;
}

/** What a processor sees. Processors are plain functions: (job) => Promise<result>. */
export interface JobContext<D> {
  id: string;
  name: string;
  data: D;
  meta: JobMeta;
  /** 1 on the first attempt. */
  attempt: number;
  log: Logger;
  /** Aborted when the job is cancelled or handed back on shutdown. */
  readonly signal: AbortSignal;
  progress(progress: JobProgress): Promise<void>;
}

export type Processor<M extends JobDefs, N extends JobName<M>> = (
  job: JobContext<M[N]['data']>,
) => Promise<M[N]['result']>;
export type Processors<M extends JobDefs> = { [N in JobName<M>]?: Processor<M, N> };

export interface QueueEventMap {
  added: { id: string; name: string };
  active: { id: string; name: string; attempt: number };
  progress: { id: string; name: string; progress: JobProgress };
  completed: { id: string; name: string; result: unknown; durationMs: number };
  /** `willRetry` false means the job is now in its final `failed` state. */
  failed: { id: string; name: string; error: string; willRetry: boolean; durationMs: number };
  cancelled: { id: string; name: string };
}
export type QueueEventName = keyof QueueEventMap;

export type CancelOutcome = 'cancelled' | 'not_found' | 'already_finished';

export interface WorkOptions {
  concurrency?: number;
}

export interface JobQueue<M extends JobDefs> {
  readonly backend: 'embedded' | 'bullmq';
  add<N extends JobName<M>>(name: N, data: M[N]['data'], options?: AddOptions): Promise<JobInfo<M, N>>;
  get(id: string): Promise<JobInfo<M> | undefined>;
  /** Newest first. */
  list(options?: { states?: readonly JobState[]; limit?: number }): Promise<JobInfo<M>[]>;
  /** Waiting and delayed jobs are removed from the line; an active one has its signal aborted. */
  cancel(id: string, reason?: string): Promise<CancelOutcome>;
  counts(): Promise<Record<JobState, number>>;
  /** Start processing in this process. Call once. */
  work(processors: Processors<M>, options?: WorkOptions): Promise<void>;
  on<E extends QueueEventName>(event: E, listener: (payload: QueueEventMap[E]) => void): () => void;
  /** Resolves with the job once it is completed, failed or cancelled. */
  waitUntilFinished(id: string, timeoutMs?: number): Promise<JobInfo<M>>;
  /** Throws when the backend cannot be reached (for /readyz). */
  check(): Promise<void>;
  /**
   * Stop taking jobs, give active ones `graceMs` to finish, then hand the rest back to the
   * queue (they run again later), and release connections.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}
