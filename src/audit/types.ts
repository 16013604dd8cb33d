/** The audit log's shapes: what is recorded, and how it reads back (src/audit/audit-log.ts). */
export interface AuditEvent {
  /** Principal id, or `anonymous`, or `system`. */
  actor: string;
  /** Dotted verb, e.g. `auth.login`, `auth.refresh_reuse`, `command.remediate`, `http.denied`. */
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  target?: string;
  ip?: string;
  /** Never secrets: callers pass ids and names, not tokens or passwords. */
  detail?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditEvent, 'target' | 'ip'>> {
  seq: number;
  at: number;
  target: string | null;
  ip: string | null;
  hash: string;
}

/** Append-only, hash-chained audit log (src/audit/audit-log.ts). */
export interface AuditLog {
  record(event: AuditEvent): void;
  list(query?: { limit?: number; beforeSeq?: number; actor?: string; action?: string }): AuditEntry[];
  /** Recomputes the chain: the first row whose hash or link does not match, if any. */
  verify(): { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string };
}
