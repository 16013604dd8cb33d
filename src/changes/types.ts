/**
 * The change-source port (issue 16 point 2): what changed around a service in a window, and the
 * events a system left (deploys, config changes, OOM kills, restarts, scaling, the remediations the
 * bot ran). The demo fleet, Kubernetes (rollout history and events) and the remediation store are
 * sources behind it; investigations treat them alike. Times are milliseconds since the epoch.
 */
export const CHANGE_KINDS = [
  'deploy',
  'config_change',
  'rollback',
  'scale',
  'restart',
  'oom_kill',
  'remediation',
  'other',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChangeEvent {
  atMs: number;
  service: string;
  kind: ChangeKind;
  /** Which source reported it, e.g. `demo`, `kubernetes`, `remediation`. */
  source: string;
  /** One line for people, e.g. "deploy of payments v2.14.1 (was v2.14.0)". */
  summary: string;
  /** Source-specific facts (version, replicas, request id, reason), plain JSON. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface ChangeQuery {
  fromMs: number;
  toMs: number;
  /** One service, or every service the source knows. */
  service?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

export interface ChangeSource {
  readonly kind: string;
  /** Events in [fromMs, toMs], newest first. Rejects with AppError when the source cannot answer. */
  events(query: ChangeQuery): Promise<ChangeEvent[]>;
}
