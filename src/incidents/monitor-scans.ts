import type { Db } from '../store/store';

/** A monitor slot: queued (its job may still run), acted on, left as older than one acted on, or failed. */
export type MonitorSlotState = 'queued' | 'handled' | 'stale' | 'failed';

export interface MonitorSlot {
  slotMs: number;
  jobId: string;
  state: MonitorSlotState;
  queuedAt: number;
  handledAt: number | null;
}

interface Row {
  slot_ms: number;
  job_id: string;
  state: MonitorSlotState;
  queued_at: number;
  handled_at: number | null;
}

const slotOf = (r: Row): MonitorSlot => ({
  slotMs: r.slot_ms,
  jobId: r.job_id,
  state: r.state,
  queuedAt: r.queued_at,
  handledAt: r.handled_at,
});

/**
 * The monitor's slots in the store (migration 018): which were queued, and which were acted on. Every
 * change is one statement or one immediate transaction, so several control planes on one store agree.
 */
export class MonitorScanStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare<[number, string, number]>(
        "INSERT OR IGNORE INTO monitor_scans (slot_ms, job_id, state, queued_at) VALUES (?, ?, 'queued', ?)",
      ),
      get: db.prepare<[number], Row>('SELECT * FROM monitor_scans WHERE slot_ms = ?'),
      last: db.prepare<[], { slot: number | null }>('SELECT MAX(slot_ms) AS slot FROM monitor_scans'),
      lastHandled: db.prepare<[], { slot: number | null }>(
        "SELECT MAX(slot_ms) AS slot FROM monitor_scans WHERE state = 'handled'",
      ),
      queued: db.prepare<[], Row>("SELECT * FROM monitor_scans WHERE state = 'queued' ORDER BY slot_ms"),
      move: db.prepare<[string, number, number]>(
        "UPDATE monitor_scans SET state = ?, handled_at = ? WHERE slot_ms = ? AND state = 'queued'",
      ),
      list: db.prepare<[number], Row>('SELECT * FROM monitor_scans WHERE slot_ms >= ? ORDER BY slot_ms'),
    };
  }

  /** Record the slot as queued unless it is known; returns whether it is new, and its row. */
  record(slotMs: number, jobId: string, at: number): { created: boolean; slot: MonitorSlot } {
    const created = this.s.insert.run(slotMs, jobId, at).changes === 1;
    return { created, slot: slotOf(this.s.get.get(slotMs) as Row) };
  }

  /** The newest slot ever queued. */
  lastSlot(): number | undefined {
    return this.s.last.get()?.slot ?? undefined;
  }

  /** Slots queued and not acted on yet, oldest first. */
  queued(): MonitorSlot[] {
    return this.s.queued.all().map(slotOf);
  }

  /**
   * Claim a queued slot's findings for this process: `apply` (act on them), `stale` (a newer slot was
   * acted on already: acting on this one would turn back what that one did) or `taken` (done already).
   */
  claim(slotMs: number, at: number): 'apply' | 'stale' | 'taken' {
    return this.db
      .transaction(() => {
        if (this.s.get.get(slotMs)?.state !== 'queued') return 'taken' as const;
        const newest = this.s.lastHandled.get()?.slot ?? null;
        const verdict = newest !== null && newest > slotMs ? ('stale' as const) : ('apply' as const);
        this.s.move.run(verdict === 'apply' ? 'handled' : 'stale', at, slotMs);
        return verdict;
      })
      .immediate();
  }

  /** The slot's job failed for good: nothing to act on. */
  fail(slotMs: number, at: number): boolean {
    return this.s.move.run('failed', at, slotMs).changes === 1;
  }

  /** The slots from fromMs on, oldest first. */
  list(fromMs = 0): MonitorSlot[] {
    return this.s.list.all(fromMs).map(slotOf);
  }
}
