import type { Clock } from '../clock';
import type { Intent } from '../intent/schema';

/** What the bot is waiting for in one thread from one user. */
export type Pending =
  { kind: 'slot'; intent: Intent; slot: string; explicit: boolean } | { kind: 'confirm'; intent: Intent };

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Multi-turn state: a question the bot asked ("to how many replicas?") or a confirmation it
 * awaits. In memory, bounded, and forgotten after ten minutes: a stale "yes" must not act.
 */
export function createPendingStore(clock: Clock) {
  const entries = new Map<string, { pending: Pending; expiresAt: number }>();
  return {
    set(key: string, pending: Pending): void {
      entries.delete(key);
      entries.set(key, { pending, expiresAt: clock() + TTL_MS });
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    },
    /** What is pending for `key`, if still fresh (a stale entry is forgotten). */
    get(key: string): Pending | undefined {
      const entry = entries.get(key);
      if (entry && entry.expiresAt > clock()) return entry.pending;
      entries.delete(key);
      return undefined;
    },
    delete(key: string): void {
      entries.delete(key);
    },
  };
}

export type PendingStore = ReturnType<typeof createPendingStore>;

const YES = /^(y|yes|yep|yeah|confirm|confirmed|go|go ahead|do it|proceed|ok|okay|sure|approve)[.!]*$/;
/** A refusal, with the polite words people add ("no thanks", "forget it", "nah, never mind"). */
const NO = new RegExp(
  "^(n|no|nope|nah|cancel|abort|stop|skip|quit|never ?mind|forget|don'?t|do not)" +
    '([ ,]+(it|that|this|thanks|thank you|please|then|never ?mind))*[.!]*$',
);

export function yesOrNo(normalized: string): 'yes' | 'no' | undefined {
  if (YES.test(normalized)) return 'yes';
  if (NO.test(normalized)) return 'no';
  return undefined;
}
