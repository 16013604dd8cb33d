import { errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import type { RemediationService } from './service';

/** How often the control plane looks for approved requests without a job. */
export const RECOVERY_INTERVAL_MS = 30_000;

/**
 * Runs `service.recover()` now and then every `intervalMs` (one run at a time), so an approval
 * whose process died before its job was queued, or whose queue was down, still starts. Returns
 * `stop`, and `done` (the first round). A failed round (the queue still down) is logged and retried on the next tick.
 */
export function startRemediationRecovery(
  service: RemediationService,
  log: Logger,
  intervalMs = RECOVERY_INTERVAL_MS,
): { stop(): Promise<void>; done: Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const { enqueued, settled, expired } = await service.recover();
        if (enqueued.length || settled.length || expired.length)
          log.info('remediation recovery', { enqueued, settled, expired });
      } catch (err) {
        log.warn('remediation recovery could not finish; it retries', {
          err: errorMessage(err),
          retryInMs: intervalMs,
        });
      }
    });
    return running;
  };
  const first = round();
  const timer = setInterval(() => void round(), intervalMs);
  timer.unref();
  return {
    done: first,
    /** No more rounds; resolves when the one in flight has finished. */
    stop() {
      stopped = true;
      clearInterval(timer);
      return running;
    },
  };
}
