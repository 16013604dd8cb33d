import type { MessagePlatform } from '../ports/chat';
import { freshId } from '../store/fresh-id';
import type { Db } from '../store/store';
import type { ActionName, ExecutionResult, Plan, RemediationRequest, RequestState } from './types';

/** Where the request came from, so results go back to the same thread. */
export interface Origin {
  platform?: MessagePlatform;
  channel?: string;
  thread?: string;
}

export interface StoredRequest extends RemediationRequest {
  state: RequestState;
  dryRun: boolean;
  plan: Plan;
  approvalsNeeded: number;
  /** The people who approved (`personOf`: who counts, one approval each), and the names replies show. */
  approvers: string[];
  approverNames: string[];
  origin: Origin;
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  /** When it was approved, denied, withdrawn or expired (absent until then). */
  decidedAt?: number;
  startedAt: number | null;
  finishedAt: number | null;
  result: (ExecutionResult & { verified?: { ok: boolean; summary: string } }) | null;
}

interface Row {
  id: string;
  action: ActionName;
  target: string;
  params: string;
  requested_by: string;
  origin: string;
  state: RequestState;
  dry_run: number;
  plan: string;
  approvals_needed: number;
  created_at: number;
  expires_at: number;
  decided_by: string | null;
  decided_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  result: string | null;
}

/**
 * Remediation requests in SQLite. Every state change is a compare-and-set (`move`): it happens
 * only if the request is still in the state the caller saw, so two approvers, a retried job or a
 * restarted worker cannot make one request run twice.
 */
export class RemediationStore {
  private readonly s;
  private readonly listeners = new Set<(id: string) => void>();

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO remediation_requests (id, action, target, params, requested_by, origin, state, ` +
          `dry_run, plan, approvals_needed, created_at, expires_at)
        VALUES (@id, @action, @target, @params, @requested_by, @origin, @state, @dry_run, @plan, ` +
          `@approvals_needed, @created_at, @expires_at) ON CONFLICT(id) DO NOTHING`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM remediation_requests WHERE id = ?'),
      taken: db.prepare<[string], number>('SELECT 1 FROM remediation_requests WHERE id = ?').pluck(),
      inState: db.prepare<[RequestState], { id: string }>(
        'SELECT id FROM remediation_requests WHERE state = ? ORDER BY created_at',
      ),
      decided: db.prepare<[number], { id: string }>(
        "SELECT id FROM remediation_requests WHERE state IN ('denied', 'expired') ORDER BY decided_at DESC, " +
          'rowid DESC LIMIT ?',
      ),
      expiredPending: db.prepare<[number], { id: string }>(
        "SELECT id FROM remediation_requests WHERE state = 'pending_approval' AND expires_at < ? ORDER BY created_at",
      ),
      approvers: db.prepare<[string], { approver: string; approver_name: string; at: number }>(
        'SELECT approver, approver_name, at FROM remediation_approvals WHERE request_id = ? ORDER BY at, rowid',
      ),
      approve: db.prepare(
        'INSERT OR IGNORE INTO remediation_approvals (request_id, approver, approver_name, at) VALUES (?, ?, ?, ?)',
      ),
      unapprove: db.prepare<[string, string]>(
        'DELETE FROM remediation_approvals WHERE request_id = ? AND approver = ?',
      ),
      move: db.prepare<[RequestState, string | null, number | null, string, RequestState]>(
        'UPDATE remediation_requests SET state = ?, decided_by = COALESCE(?, decided_by), ' +
          'decided_at = COALESCE(?, decided_at) WHERE id = ? AND state = ?',
      ),
      claim: db.prepare<[number, string]>(
        "UPDATE remediation_requests SET state = 'executing', started_at = ? WHERE id = ? AND state = 'approved'",
      ),
      finish: db.prepare<[RequestState, number, string, string, RequestState]>(
        'UPDATE remediation_requests SET state = ?, finished_at = ?, result = ? WHERE id = ? AND state = ?',
      ),
      lastRun: db.prepare<[string, string], { at: number }>(
        'SELECT MAX(started_at) AS at FROM remediation_requests ' +
          'WHERE action = ? AND target = ? AND started_at IS NOT NULL',
      ),
      runsSince: db.prepare<[string, string, number], { n: number }>(
        'SELECT COUNT(*) AS n FROM remediation_requests WHERE action = ? AND target = ? AND started_at >= ?',
      ),
      setting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      executedOn: db.prepare<[string], { action: ActionName; target: string; params: string; started_at: number }>(
        'SELECT action, target, params, started_at FROM remediation_requests ' +
          "WHERE state = 'succeeded' AND json_extract(plan, '$.executor') = ? ORDER BY started_at",
      ),
      ranBetween: db.prepare<[number, number, number], { id: string }>(
        'SELECT id FROM remediation_requests WHERE started_at IS NOT NULL AND started_at >= ? AND started_at <= ? ' +
          'ORDER BY started_at DESC, rowid DESC LIMIT ?',
      ),
      createdBetween: db.prepare<[number, number, number], { id: string }>(
        'SELECT id FROM remediation_requests WHERE created_at >= ? AND created_at <= ? ' +
          'ORDER BY created_at DESC, rowid DESC LIMIT ?',
      ),
      breaker: db.prepare<[string, string], { failures: number; opened_at: number | null }>(
        'SELECT failures, opened_at FROM remediation_breakers WHERE action = ? AND target = ?',
      ),
      breakerFail:
        db.prepare(`INSERT INTO remediation_breakers (action, target, failures, opened_at) VALUES (?, ?, 1, NULL)
        ON CONFLICT(action, target) DO UPDATE SET failures = failures + 1`),
      breakerOpen: db.prepare<[number, string, string]>(
        'UPDATE remediation_breakers SET opened_at = ? WHERE action = ? AND target = ? AND opened_at IS NULL',
      ),
      breakerReset: db.prepare<[string, string]>('DELETE FROM remediation_breakers WHERE action = ? AND target = ?'),
      claimNotice: db.prepare<[string, string, number]>(
        'INSERT OR IGNORE INTO remediation_notices (request_id, kind, at) VALUES (?, ?, ?)',
      ),
      releaseNotice: db.prepare<[string, string]>('DELETE FROM remediation_notices WHERE request_id = ? AND kind = ?'),
    };
  }

  /**
   * Be told that a request changed (created, approved, moved, claimed, finished) in this process;
   * told once the current synchronous work (and so its transaction) is over. Listeners must not throw.
   */
  onChange(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Passes `changed` through, telling the listeners (after the current transaction) when it is true. */
  private told(id: string, changed: boolean): boolean {
    if (changed && this.listeners.size) queueMicrotask(() => this.listeners.forEach((listener) => listener(id)));
    return changed;
  }

  /** A request id no request has yet (`r` + 6 hex digits); the insert that uses it re-checks. */
  freshId(random?: () => string): string {
    return freshId('r', (id) => this.s.taken.get(id) !== undefined, random);
  }

  /** False when the id is taken (by another writer since `freshId`): nothing was written. */
  insert(
    r: Omit<
      StoredRequest,
      'approvers' | 'approverNames' | 'decidedBy' | 'decidedAt' | 'startedAt' | 'finishedAt' | 'result'
    >,
  ): boolean {
    return this.told(
      r.id,
      this.s.insert.run({
        id: r.id,
        action: r.action,
        target: r.target,
        params: JSON.stringify(r.params),
        requested_by: r.requestedBy,
        origin: JSON.stringify(r.origin),
        state: r.state,
        dry_run: r.dryRun ? 1 : 0,
        plan: JSON.stringify(r.plan),
        approvals_needed: r.approvalsNeeded,
        created_at: r.createdAt,
        expires_at: r.expiresAt,
      }).changes === 1,
    );
  }

  /** Requests in `state`, oldest first. */
  inState(state: RequestState): StoredRequest[] {
    return this.s.inState.all(state).flatMap((r) => this.get(r.id) ?? []);
  }

  /** The latest requests that ended without a job (denied, withdrawn or expired), newest first. */
  decidedWithoutJob(limit: number): StoredRequest[] {
    return this.s.decided.all(limit).flatMap((r) => this.get(r.id) ?? []);
  }

  /** Pending requests whose approval time is over. */
  expiredPending(now: number): StoredRequest[] {
    return this.s.expiredPending.all(now).flatMap((r) => this.get(r.id) ?? []);
  }

  get(id: string): StoredRequest | undefined {
    const row = this.s.get.get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      action: row.action,
      target: row.target,
      params: JSON.parse(row.params) as RemediationRequest['params'],
      requestedBy: row.requested_by,
      origin: JSON.parse(row.origin) as Origin,
      state: row.state,
      dryRun: row.dry_run === 1,
      plan: JSON.parse(row.plan) as Plan,
      approvalsNeeded: row.approvals_needed,
      ...this.approvals(id),
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      decidedBy: row.decided_by,
      ...(row.decided_at !== null ? { decidedAt: row.decided_at } : {}),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      result: row.result ? (JSON.parse(row.result) as StoredRequest['result']) : null,
    };
  }

  /** Compare-and-set: true when this call moved the request from `from` to `to`. */
  move(id: string, from: RequestState, to: RequestState, by?: { who: string; at: number }): boolean {
    return this.told(id, this.s.move.run(to, by?.who ?? null, by?.at ?? null, id, from).changes === 1);
  }

  /** Adds an approval, once per approver (a person): false when they had approved already. */
  approve(id: string, approver: { id: string; name: string }, at: number): boolean {
    return this.told(id, this.s.approve.run(id, approver.id, approver.name, at).changes === 1);
  }

  /** Takes back an approval added in the same transaction (one that policy refused after all). */
  unapprove(id: string, approver: string): void {
    this.told(id, this.s.unapprove.run(id, approver).changes === 1);
  }

  /** The approvals with their times, in order: who (`personOf`), the name they came with, when. */
  approvalsOf(id: string): Array<{ person: string; name: string; at: number }> {
    return this.s.approvers.all(id).map((a) => ({ person: a.approver, name: a.approver_name, at: a.at }));
  }

  private approvals(id: string): Pick<StoredRequest, 'approvers' | 'approverNames'> {
    const rows = this.approvalsOf(id);
    return { approvers: rows.map((a) => a.person), approverNames: rows.map((a) => a.name) };
  }

  /** approved -> executing, for exactly one caller. */
  claim(id: string, at: number): boolean {
    return this.told(id, this.s.claim.run(at, id).changes === 1);
  }

  /** executing (or `from`) -> a final state, for exactly one caller. */
  finish(
    id: string,
    state: 'succeeded' | 'failed' | 'unknown',
    at: number,
    result: StoredRequest['result'],
    from: RequestState = 'executing',
  ): boolean {
    return this.told(id, this.s.finish.run(state, at, JSON.stringify(result), id, from).changes === 1);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Requests that ran successfully on an executor, oldest first (the demo fleet replays them at start). */
  executedOn(
    executor: string,
  ): Array<{ action: ActionName; target: string; params: RemediationRequest['params']; startedAt: number }> {
    return this.s.executedOn.all(executor).map((r) => ({
      action: r.action,
      target: r.target,
      params: JSON.parse(r.params) as RemediationRequest['params'],
      startedAt: r.started_at,
    }));
  }

  /** Requests that started running in [fromMs, toMs] (whatever came of them), newest first. */
  ranBetween(fromMs: number, toMs: number, limit: number): StoredRequest[] {
    return this.s.ranBetween.all(fromMs, toMs, limit).flatMap((r) => this.get(r.id) ?? []);
  }

  /** Requests made in [fromMs, toMs] (dry runs and model actions too, whatever came of them), newest first. */
  createdBetween(fromMs: number, toMs: number, limit: number): StoredRequest[] {
    return this.s.createdBetween.all(fromMs, toMs, limit).flatMap((r) => this.get(r.id) ?? []);
  }

  lastRunAt(action: ActionName, target: string): number | null {
    return this.s.lastRun.get(action, target)?.at ?? null;
  }

  runsSince(action: ActionName, target: string, since: number): number {
    return this.s.runsSince.get(action, target, since)?.n ?? 0;
  }

  frozen(): { by: string; at: number } | undefined {
    const v = this.s.setting.get('freeze')?.value;
    return v ? (JSON.parse(v) as { by: string; at: number }) : undefined;
  }

  setFrozen(value: { by: string; at: number } | undefined): void {
    this.s.setSetting.run('freeze', value ? JSON.stringify(value) : '');
  }

  breaker(action: ActionName, target: string): { failures: number; openedAt: number | null } {
    const row = this.s.breaker.get(action, target);
    return { failures: row?.failures ?? 0, openedAt: row?.opened_at ?? null };
  }

  recordOutcome(action: ActionName, target: string, ok: boolean, openAfter: number, at: number): void {
    if (ok) {
      this.s.breakerReset.run(action, target);
      return;
    }
    this.s.breakerFail.run(action, target);
    if (this.breaker(action, target).failures >= openAfter) this.s.breakerOpen.run(at, action, target);
  }

  /** True for the one caller (of any process on this store) that gets to tell the request's thread `kind`. */
  claimNotice(id: string, kind: 'approved' | 'result', at: number): boolean {
    return this.s.claimNotice.run(id, kind, at).changes === 1;
  }

  /** Gives back notices a caller claimed but will not post after all. */
  releaseNotices(id: string, kinds: ReadonlyArray<'approved' | 'result'>): void {
    for (const kind of kinds) this.s.releaseNotice.run(id, kind);
  }

  resetBreaker(action: ActionName, target: string): void {
    this.s.breakerReset.run(action, target);
  }
}
