/**
 * Champion vs challenger on live traffic (issue 15 point 4), from the shadow runs recorded since
 * the challenger was set: alerts each raised, how often they agree, and how each fares against the
 * incidents the store knows for the service and against 👍/👎 feedback labels, when given.
 *
 * An alert is one anomalous segment of one signal; the same segment seen by several runs (windows
 * overlap) counts once, keyed by signal and start. Two alerts agree when they are on the same
 * signal and their spans overlap.
 */
import type { ShadowAlert, ShadowRun } from './shadow';

/** A period something labelled: an incident, or 👍 real / 👎 false-alarm feedback. */
export interface Period {
  fromMs: number;
  toMs: number;
}

export interface FeedbackLabel extends Period {
  label: 'real' | 'false_alarm';
}

/** Feedback labels of a service over a time range (the feedback store's; optional, injected). */
export type LabelsOf = (service: string, fromMs: number, toMs: number) => FeedbackLabel[];
/** Incidents the store knows for a service over a time range, as periods (created .. resolved or now). */
export type IncidentsOf = (service: string, fromMs: number, toMs: number) => Period[];

export interface SideScore {
  alerts: number;
  /** Incidents (overlapping the runs' windows) during which it alerted. */
  incidentsCaught: number;
  /** Its alerts that overlap no incident. */
  alertsOutsideIncidents: number;
  /** Feedback: real periods it alerted in, false-alarm periods it alerted in (again); absent without labels. */
  feedback?: { realHit: number; falseAlarms: number };
}

export interface ShadowComparison {
  model: string;
  champion: number;
  challenger: number;
  /** Since when (the challenger alias was set). */
  sinceMs: number;
  runs: number;
  /** The time the runs covered: the earliest window start to the latest window end; null without runs. */
  range: Period | null;
  /** Alerts both raised (overlapping, same signal), only the champion, only the challenger. */
  agreement: { both: number; championOnly: number; challengerOnly: number; rate: number | null };
  incidents: number;
  /** Feedback labels seen over the range; null when no feedback store is wired. */
  labels: { real: number; falseAlarm: number } | null;
  championScore: SideScore;
  challengerScore: SideScore;
}

const overlaps = (a: Period, b: Period) => a.fromMs <= b.toMs && b.fromMs <= a.toMs;
const span = (a: ShadowAlert): Period => ({ fromMs: a.startMs, toMs: a.endMs });

/** The distinct alerts of one side over all runs. */
export function distinctAlerts(runs: readonly ShadowRun[], side: 'championAlerts' | 'challengerAlerts'): ShadowAlert[] {
  const byKey = new Map<string, ShadowAlert>();
  for (const run of runs) {
    for (const a of run[side]) {
      const key = `${a.signal}@${a.startMs}`;
      const known = byKey.get(key);
      // A later run may see the same segment run longer: keep its furthest end and highest score.
      byKey.set(
        key,
        known ? { ...known, endMs: Math.max(known.endMs, a.endMs), maxScore: Math.max(known.maxScore, a.maxScore) } : a,
      );
    }
  }
  return [...byKey.values()].sort((x, y) => x.startMs - y.startMs);
}

export function compareShadow(input: {
  model: string;
  service: string;
  champion: number;
  challenger: number;
  sinceMs: number;
  runs: readonly ShadowRun[];
  incidentsOf?: IncidentsOf;
  labels?: LabelsOf;
}): ShadowComparison {
  const { runs } = input;
  const range = runs.length
    ? { fromMs: Math.min(...runs.map((r) => r.window.fromMs)), toMs: Math.max(...runs.map((r) => r.window.toMs)) }
    : null;
  const champ = distinctAlerts(runs, 'championAlerts');
  const chall = distinctAlerts(runs, 'challengerAlerts');
  const matched = (a: ShadowAlert, others: ShadowAlert[]) =>
    others.some((o) => o.signal === a.signal && overlaps(span(a), span(o)));
  const both = champ.filter((a) => matched(a, chall)).length;
  const championOnly = champ.length - both;
  const challengerOnly = chall.filter((a) => !matched(a, champ)).length;
  const total = both + championOnly + challengerOnly;
  const incidents = range && input.incidentsOf ? input.incidentsOf(input.service, range.fromMs, range.toMs) : [];
  const labels =
    range && input.labels ? input.labels(input.service, range.fromMs, range.toMs) : input.labels ? [] : null;
  const side = (alerts: ShadowAlert[]): SideScore => {
    const hits = (p: Period) => alerts.some((a) => overlaps(span(a), p));
    return {
      alerts: alerts.length,
      incidentsCaught: incidents.filter(hits).length,
      alertsOutsideIncidents: alerts.filter((a) => !incidents.some((p) => overlaps(span(a), p))).length,
      ...(labels
        ? {
            feedback: {
              realHit: labels.filter((l) => l.label === 'real' && hits(l)).length,
              falseAlarms: labels.filter((l) => l.label === 'false_alarm' && hits(l)).length,
            },
          }
        : {}),
    };
  };
  return {
    model: input.model,
    champion: input.champion,
    challenger: input.challenger,
    sinceMs: input.sinceMs,
    runs: runs.length,
    range,
    agreement: { both, championOnly, challengerOnly, rate: total ? both / total : null },
    incidents: incidents.length,
    labels: labels
      ? {
          real: labels.filter((l) => l.label === 'real').length,
          falseAlarm: labels.filter((l) => l.label === 'false_alarm').length,
        }
      : null,
    championScore: side(champ),
    challengerScore: side(chall),
  };
}
