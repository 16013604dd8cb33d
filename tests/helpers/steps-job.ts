import type { App } from '../../src/app/control';
import { jobSteps } from '../../src/queue/steps';
import type { JobContext } from '../../src/queue/types';
import type { StatusJobData } from '../../src/jobs/map';
import { statusProcessor } from '../../src/workers/status';
import { DURING_BURST } from './app';

/** The three steps the test job reports, each begun then finished: six changes in all. */
export const STEP_LABELS = ['golden signals of payments', 'dependencies of payments', 'recent changes'] as const;
export const STEP_DETAILS = ['error rate 4.1 %', 'calls ledger, fx-rates', 'no deploy in the window'] as const;

/**
 * A `status` processor for tests that reports three steps (as an investigation reports its tool
 * calls), then answers with the real status processor. After its n-th change of the steps (1..6)
 * it awaits `shown(n)`, so a test sees each change reach the platform before the next is made.
 */
export function steppedStatus(app: App, shown: (changes: number) => Promise<unknown>) {
  const real = statusProcessor(app.source, () => DURING_BURST);
  return async (job: JobContext<StatusJobData>) => {
    const steps = jobSteps(job);
    let changes = 0;
    for (const [i, label] of STEP_LABELS.entries()) {
      const step = await steps.begin(label);
      await shown(++changes);
      await step.done(STEP_DETAILS[i]);
      await shown(++changes);
    }
    return real(job);
  };
}

/** Works the app's queue with the stepped `status` processor only (instead of app.startWorkers()). */
export async function workSteppedStatus(app: App, shown: (changes: number) => Promise<unknown>): Promise<void> {
  await app.queue.work({ status: steppedStatus(app, shown) });
}
