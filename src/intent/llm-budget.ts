import type { Clock } from '../clock';

const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 60;

/**
 * Tokens spent in the last rolling hour, bucketed by minute. The check happens before a call and
 * the cost is known only after it, so one call may overshoot the budget; the next one is refused.
 * A budget of 0 means the LLM is never called.
 */
export class TokenBudget {
  private readonly buckets = new Map<number, number>();

  constructor(
    readonly perHour: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isFinite(perHour) || perHour < 0)
      throw new Error(`tokenBudgetPerHour must be 0 (no LLM use) or a positive number of tokens, got ${perHour}`);
  }

  private minute(): number {
    return Math.floor(this.clock() / MINUTE_MS);
  }

  /** Tokens used in the current minute and the 59 before it. */
  used(): number {
    const now = this.minute();
    let total = 0;
    for (const [minute, tokens] of this.buckets) {
      if (minute <= now - WINDOW_MINUTES) this.buckets.delete(minute);
      else total += tokens;
    }
    return total;
  }

  /** True when a call may be made now. */
  available(): boolean {
    return this.perHour > 0 && this.used() < this.perHour;
  }

  record(tokens: number): void {
    if (!Number.isFinite(tokens) || tokens <= 0) return;
    const now = this.minute();
    this.buckets.set(now, (this.buckets.get(now) ?? 0) + tokens);
  }
}
