import type { Step } from '../reply/model';
import type { JobContext, JobProgress } from './types';

/**
 * Steps a job reports as it goes, for any job: each `begin` adds a running step, its handle marks
 * it done or failed, and every change reports the whole list through `job.progress({percent,
 * message?, steps})`, so a follower that missed a report still shows the right list. The chat
 * follower (src/chat/follow.ts) shows them in place: Slack streams them (or edits one message),
 * Teams updates the card, the console prints a line per change.
 *
 *   const steps = jobSteps(job, { expected: 4 });
 *   const s = await steps.begin('golden signals of checkout-api');
 *   await s.done('p95 latency 3.2× its baseline');   // or s.fail('timed out')
 */
export interface StepHandle {
  done(detail?: string): Promise<void>;
  fail(detail?: string): Promise<void>;
}

export interface JobSteps {
  begin(label: string, detail?: string): Promise<StepHandle>;
  /** Runs `work` as one step: done with `describe(result)`, or failed with the error's message (and rethrown). */
  run<T>(label: string, work: () => Promise<T>, describe?: (result: T) => string | undefined): Promise<T>;
  /** The steps as reported so far (copies). */
  list(): Step[];
  /** Reports a percent (and a message) with the steps; later reports carry them (default percent: finished steps
   * over `expected`, else 0). */
  percent(value: number, message?: string): Promise<void>;
}

export function jobSteps(
  job: Pick<JobContext<unknown>, 'progress'>,
  options: { expected?: number; message?: string } = {},
): JobSteps {
  const steps: Step[] = [];
  let fixedPercent: number | undefined;
  let message = options.message;
  let seq = 0;
  const percentNow = () => {
    if (fixedPercent !== undefined) return fixedPercent;
    if (!options.expected) return 0;
    const finished = steps.filter((s) => s.status !== 'running').length;
    return Math.min(99, Math.round((finished / options.expected) * 100));
  };
  const report = () => {
    const p: JobProgress = {
      percent: percentNow(),
      ...(message ? { message } : {}),
      steps: steps.map((s) => ({ ...s })),
    };
    return job.progress(p);
  };
  const finish = async (step: Step, status: 'done' | 'failed', detail?: string) => {
    step.status = status;
    if (detail) step.detail = detail;
    await report();
  };
  const self: JobSteps = {
    async begin(label, detail) {
      const step: Step = { id: `s${++seq}`, label, status: 'running', ...(detail ? { detail } : {}) };
      steps.push(step);
      await report();
      return { done: (d) => finish(step, 'done', d), fail: (d) => finish(step, 'failed', d) };
    },
    async run(label, work, describe) {
      const handle = await self.begin(label);
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work();
      } catch (err) {
        await handle.fail(err instanceof Error ? err.message : String(err));
        throw err;
      }
      await handle.done(describe?.(result));
      return result;
    },
    list: () => steps.map((s) => ({ ...s })),
    async percent(value, text) {
      fixedPercent = value;
      if (text !== undefined) message = text;
      await report();
    },
  };
  return self;
}
