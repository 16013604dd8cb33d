import { setMaxListeners } from 'node:events';
import { AppError, UnrecoverableJobError } from '../errors';
import type { Step, StepStatus } from '../reply/model';
import type { EventHub } from './events';
import { FINISHED_STATES, type JobInfo, type JobProgress, type JobDefs, type JobState } from './types';

/** `list()` without a limit. */
export const DEFAULT_LIST_LIMIT = 100;
/** How long `close()` waits for active jobs when the caller does not say. */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

/** Options both backends share; checked at construction so a bad value fails early. */
export interface QueueSettings {
  name: string;
  historyLimit: number;
  attempts: number;
  backoffMs: number;
}

export function checkSettings(kind: string, s: QueueSettings): void {
  const problems: string[] = [];
  if (typeof s.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(s.name))
    problems.push(`name must be letters, digits, '.', '_' or '-' (got ${JSON.stringify(s.name)})`);
  if (!Number.isInteger(s.historyLimit) || s.historyLimit < 0)
    problems.push(`historyLimit must be a whole number >= 0 (got ${s.historyLimit})`);
  if (!Number.isInteger(s.attempts) || s.attempts < 1)
    problems.push(`attempts must be a whole number >= 1 (got ${s.attempts})`);
  if (!Number.isFinite(s.backoffMs) || s.backoffMs < 0)
    problems.push(`backoffMs must be a number >= 0 (got ${s.backoffMs})`);
  if (problems.length) throw new AppError('config_invalid', `${kind} queue: ${problems.join('; ')}`);
}

/** Same rule on both backends (BullMQ refuses the others), so code that runs embedded runs on Redis. */
export function checkJobId(id: string): void {
  if (typeof id !== 'string' || id === '' || /^\d+$/.test(id) || id.includes(':')) {
    throw new AppError(
      'bad_request',
      `jobId ${JSON.stringify(id)} is not usable: ` +
        'it must be a non-empty string, not only digits, without \':\' (e.g. "remediate-42")',
    );
  }
}

/**
 * The retry settings one `add` runs with: the queue's, or the call's own, checked like the
 * queue's. Checks the job id too. Both backends start every add here.
 */
export function addSettings(
  kind: string,
  queue: QueueSettings,
  options: { jobId?: string; attempts?: number; backoffMs?: number },
): { attempts: number; backoffMs: number } {
  const attempts = options.attempts ?? queue.attempts;
  const backoffMs = options.backoffMs ?? queue.backoffMs;
  if (options.attempts !== undefined || options.backoffMs !== undefined)
    checkSettings(kind, { name: queue.name, historyLimit: queue.historyLimit, attempts, backoffMs });
  if (options.jobId !== undefined) checkJobId(options.jobId);
  return { attempts, backoffMs };
}

export function checkConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new AppError('config_invalid', `queue concurrency must be a whole number >= 1 (got ${concurrency})`);
  }
  return concurrency;
}

/** Delay before retry number `attempt` + 1, after `attempt` failed: base * 2^(attempt-1). */
export function backoffDelay(baseMs: number, attempt: number): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

export function isUnrecoverable(err: unknown): boolean {
  return err instanceof UnrecoverableJobError || (err instanceof AppError && err.code === 'job_unrecoverable');
}

/**
 * The progress a job in `state` shows. A finished job is past its last report: completed is 100%,
 * failed or cancelled shows none (a bar stuck at 50% on a finished job reads as still running).
 */
export function progressIn(state: JobState, last: JobProgress | null): JobProgress | null {
  if (state === 'completed') return last?.steps ? { percent: 100, steps: last.steps } : { percent: 100 };
  return state === 'failed' || state === 'cancelled' ? null : last;
}

export function clampProgress(p: JobProgress): JobProgress {
  const percent = Math.min(100, Math.max(0, Number.isFinite(p.percent) ? p.percent : 0));
  const steps = p.steps === undefined ? undefined : clampSteps(p.steps);
  return {
    percent,
    ...(p.message === undefined ? {} : { message: p.message }),
    ...(steps === undefined ? {} : { steps }),
  };
}

/** One run's reports: a report without steps keeps the steps reported last (a bar after steps keeps them). */
export function stepsKeeper(): (p: JobProgress) => JobProgress {
  let last: JobProgress['steps'];
  return (p) => {
    if (p.steps) last = p.steps;
    return p.steps || !last ? p : { ...p, steps: last };
  };
}

/** Most steps a progress report keeps (the latest ones), and the longest label and detail. */
export const STEP_LIMITS = { steps: 50, label: 200, detail: 500 } as const;
const STEP_STATUSES: readonly StepStatus[] = ['running', 'done', 'failed'];

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Well-formed steps only (whatever the job or the wire sent), the last STEP_LIMITS.steps, texts cut. */
export function clampSteps(raw: unknown): Step[] {
  if (!Array.isArray(raw)) return [];
  const out: Step[] = [];
  for (const item of raw.slice(-STEP_LIMITS.steps) as unknown[]) {
    const s = item as Partial<Step> | null;
    if (!s || typeof s.label !== 'string' || !STEP_STATUSES.includes(s.status as StepStatus)) continue;
    out.push({
      ...(typeof s.id === 'string' ? { id: cut(s.id, STEP_LIMITS.label) } : {}),
      label: cut(s.label, STEP_LIMITS.label),
      status: s.status as StepStatus,
      ...(typeof s.detail === 'string' && s.detail ? { detail: cut(s.detail, STEP_LIMITS.detail) } : {}),
    });
  }
  return out;
}

/**
 * One run's cancellation. The AbortSignal is made only when the processor reads it (most never do:
 * an AbortController per job was a measurable share of a trivial job's cost), and `race` ends the
 * run on abort whether or not the processor listens.
 */
export function createRunControl() {
  let controller: AbortController | undefined;
  let reason: Error | undefined;
  let rejectRace: ((err: Error) => void) | undefined;
  return {
    get signal(): AbortSignal {
      controller ??= new AbortController();
      if (reason && !controller.signal.aborted) controller.abort(reason);
      return controller.signal;
    },
    /** Why the run was aborted, once it was. */
    get reason(): Error | undefined {
      return reason;
    },
    abort(err: Error): void {
      if (reason) return;
      reason = err;
      controller?.abort(err);
      rejectRace?.(err);
    },
    /** Settles with `work`, or rejects with the abort reason as soon as abort() is called. */
    race<T>(work: Promise<T>): Promise<T> {
      if (reason) return Promise.reject(reason);
      return new Promise<T>((resolve, reject) => {
        rejectRace = reject;
        work.then(resolve, reject);
      });
    },
  };
}
export type RunControl = ReturnType<typeof createRunControl>;

/**
 * `p`, or a rejection with `late()` once `ms` have passed, so a dead or frozen dependency cannot
 * hang the caller; a result or failure of `p` after the deadline is dropped.
 */
export async function withinMs<T>(p: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined);
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves true when `p` settles first, false when `ms` pass first. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The controller a queue aborts when it closes. Every pending waitUntilFinished listens on its
 * signal (one per followed job), so it has no listener limit.
 */
export function createClosedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export interface WaitDeps<M extends JobDefs> {
  get(id: string): Promise<JobInfo<M> | undefined>;
  events: EventHub;
  /** Poll the backend this often too: another process may run the job. */
  pollMs: number;
  /** Aborted when the queue closes: pending waits reject. */
  closed: AbortSignal;
}

/** Resolves once the job is completed, failed or cancelled; woken by local events, backed by polling. */
export function waitForFinish<M extends JobDefs>(
  deps: WaitDeps<M>,
  id: string,
  timeoutMs?: number,
): Promise<JobInfo<M>> {
  return new Promise<JobInfo<M>>((resolve, reject) => {
    let settled = false;
    let checking = false;
    let recheck = false;
    const offs: (() => void)[] = [];
    const done = (err: unknown, job?: JobInfo<M>) => {
      if (settled) return;
      settled = true;
      for (const off of offs) off();
      if (job) resolve(job);
      else reject(err);
    };
    const check = async (): Promise<void> => {
      if (settled) return;
      if (checking) {
        recheck = true;
        return;
      }
      checking = true;
      try {
        do {
          recheck = false;
          const job = await deps.get(id);
          if (!job) return done(new AppError('not_found', `job ${id} not found`));
          if (FINISHED_STATES.includes(job.state)) return done(undefined, job);
        } while (recheck && !settled);
      } catch (err) {
        // The backend is away for now (Redis restarting): the job may still finish; ask again at the next poll.
        if (!(err instanceof AppError && err.code === 'unavailable')) done(err);
      } finally {
        checking = false;
      }
    };
    const wake = (p: { id: string }) => {
      if (p.id === id) void check();
    };
    offs.push(deps.events.on('completed', wake));
    offs.push(deps.events.on('failed', (p) => !p.willRetry && wake(p)));
    offs.push(deps.events.on('cancelled', wake));
    const poll = setInterval(() => void check(), deps.pollMs);
    offs.push(() => clearInterval(poll));
    if (timeoutMs !== undefined) {
      const timer = setTimeout(
        () => done(new AppError('unavailable', `job ${id} did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
      offs.push(() => clearTimeout(timer));
    }
    const onClosed = () => done(new AppError('unavailable', `the queue closed while waiting for job ${id}`));
    if (deps.closed.aborted) return onClosed();
    deps.closed.addEventListener('abort', onClosed, { once: true });
    offs.push(() => deps.closed.removeEventListener('abort', onClosed));
    void check();
  });
}
