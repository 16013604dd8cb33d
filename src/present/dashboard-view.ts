/**
 * What the live dashboard (`GET /`) shows, as plain JSON: the server builds these
 * (./dashboard.ts) and pushes each section as one server-sent event named after it; the page
 * (web/src/) renders them. Types only, importing nothing, so the page's bundle can share them.
 */

/** The person looking at the page. */
export interface ViewerView {
  name: string;
  email?: string;
  role: string;
  /** `user:ID`: compared with a request's requester. */
  person: string;
  /** May approve or deny (the `remediation.approve` permission); the command layer still decides. */
  canApprove: boolean;
}

/** Sent first on every connection: who is watching and the token that every write from the page carries. */
export interface HelloView {
  viewer: ViewerView;
  csrf: string;
}

export interface SignalView {
  /** A golden signal name (`latency_p99`, `error_rate`, ...). */
  signal: string;
  label: string;
  unit: string;
  /** The mean over the last 5 minutes; null without recent data. */
  now: number | null;
  /** The objective it must stay under, when the catalog sets one. */
  limit: number | null;
  /** The window's values, downsampled for a sparkline (oldest first). */
  points: number[];
}

export interface ServiceView {
  name: string;
  healthy: boolean;
  problems: string[];
  signals: SignalView[];
  /** Error-budget burn rate per window (`5m`, `1h`, ...); null where no data. */
  burn: Array<{ window: string; rate: number | null }>;
  firing: Array<{ rule: string; severity: string }>;
  /** The availability objective, e.g. 0.999; null when the error history is unavailable. */
  sloTarget: number | null;
}

export interface FleetView {
  /** ISO time the figures are for. */
  at: string;
  windowS: number;
  services: ServiceView[];
  /** Why the fleet could not be read this time (the last good figures are gone). */
  error?: string;
}

export interface TimelineEntryView {
  at: string;
  event: string;
  by: string | null;
}

export interface IncidentView {
  id: string;
  title: string;
  status: string;
  service: string | null;
  severity: string | null;
  createdAt: string;
  updatedAt: string;
  firing: number;
  alerts: number;
  /** Oldest first, the latest entries only. */
  timeline: TimelineEntryView[];
}

export interface ApprovalView {
  id: string;
  action: string;
  target: string;
  /** e.g. `replicas=4`, `version=3`; empty when none. */
  params: string;
  requestedBy: { id: string; name: string };
  approvalsNeeded: number;
  approvals: Array<{ name: string; at: string }>;
  calls: string[];
  blastRadius: string;
  createdAt: string;
  expiresAt: string;
}

export interface JobView {
  id: string;
  name: string;
  state: string;
  /** 0..100 while it reports; null before the first report. */
  percent: number | null;
  message: string | null;
  steps: Array<{ label: string; status: string }>;
  requestedBy: string | null;
  createdAt: string;
}

export interface ModelView {
  name: string;
  service: string;
  champion: number | null;
  challenger: number | null;
  versions: number;
  /** The champion's latest drift check. */
  drift: { score: number; drifted: boolean; moved: string[]; at: string } | null;
}

/** Every event of the stream and its data. */
export interface DashboardEvents {
  hello: HelloView;
  fleet: FleetView;
  incidents: IncidentView[];
  approvals: ApprovalView[];
  jobs: JobView[];
  models: ModelView[];
}

export type SectionName = Exclude<keyof DashboardEvents, 'hello'>;
export const SECTIONS: readonly SectionName[] = ['fleet', 'incidents', 'approvals', 'jobs', 'models'];

/** What a decision from the page answers (POST /ui/approvals/:id/approve|deny). */
export interface DecisionAnswer {
  outcome: string;
  message: string;
  /** The request's state after it, when it was decided. */
  state?: string;
}
