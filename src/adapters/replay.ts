import { createHash } from 'node:crypto';
import type { Db } from '../store/store';

/**
 * Remembers the chat requests already taken, so the same request sent again (a replay of a
 * captured Slack slash command or button press, a Teams activity delivered twice) is acknowledged
 * and not acted on. Shared by the platform adapters: each names a request by its own id (Slack:
 * the request's signature; Teams: the activity's id in its conversation) and remembers it until
 * `untilMs`.
 */
export interface ReplayGuard {
  /** True the first time `id` is seen before `untilMs`; false for a replay. */
  firstSight(id: string, untilMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How often a store guard deletes what has expired (a write at most this often). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Kept in the SQLite store (migration 010), as hashes: a replay is dropped after a restart too,
 * and by every process on the same store. One statement decides: the id is taken when it is new
 * or its window has passed, so two processes racing on one replay let exactly one through.
 */
export function createStoreReplayGuard(db: Db, o: { now?: () => number } = {}): ReplayGuard {
  const now = o.now ?? Date.now;
  const take = db.prepare<[string, number, number]>(
    'INSERT INTO chat_replays (id, until) VALUES (?, ?) ' +
      'ON CONFLICT(id) DO UPDATE SET until = excluded.until WHERE chat_replays.until <= ?',
  );
  const prune = db.prepare<[number]>('DELETE FROM chat_replays WHERE until <= ?');
  let prunedAt = 0;
  return {
    async firstSight(id, untilMs) {
      const t = now();
      if (t - prunedAt > PRUNE_EVERY_MS) {
        prune.run(t);
        prunedAt = t;
      }
      return take.run(createHash('sha256').update(id).digest('hex'), untilMs, t).changes === 1;
    },
    async close() {},
  };
}
