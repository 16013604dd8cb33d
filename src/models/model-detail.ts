/**
 * One model in detail (`model payments-detector`, GET /api/v1/models/:name): its versions and
 * aliases from the registry, and champion vs challenger on the shadow runs recorded since the
 * challenger was set (src/models/shadow-compare.ts). Incidents and feedback labels are injected:
 * this layer reads neither store.
 */
import type { ModelRegistry } from './registry';
import { modelJson } from './registry-json';
import type { ModelJson, ModelRecord } from './registry-types';
import type { ShadowStore } from './shadow';
import { compareShadow, type IncidentsOf, type LabelsOf, type ShadowComparison } from './shadow-compare';

export interface ModelDetail {
  model: ModelRecord;
  /** Champion vs challenger in shadow; null when the model has no champion and challenger. */
  shadow: ShadowComparison | null;
}

export interface ModelDetailDeps {
  registry: Pick<ModelRegistry, 'get' | 'aliasHistory'>;
  shadow: Pick<ShadowStore, 'runs'>;
  /** The incidents the store knows for a service (src/incidents/periods.ts). */
  incidentsOf?: IncidentsOf;
  /**
   * 👍 real / 👎 false-alarm feedback for a service over a time range: the hook for the feedback
   * store (issue 15 point 6). Absent: the comparison says no feedback is wired.
   */
  labels?: LabelsOf;
}

export type ModelDetailOf = (name: string) => ModelDetail;

/** Throws not_found (with "did you mean") for a model the registry does not know. */
export function modelDetailOf(deps: ModelDetailDeps): ModelDetailOf {
  return (name) => {
    const model = deps.registry.get(name);
    const { champion, challenger } = model;
    if (champion === null || challenger === null) return { model, shadow: null };
    // Since the challenger alias last moved to this version.
    const since = deps.registry.aliasHistory(name, 'challenger').find((m) => m.version === challenger);
    const sinceMs = since?.at ?? 0;
    const runs = deps.shadow.runs(name, challenger, sinceMs);
    return {
      model,
      shadow: compareShadow({
        model: name,
        service: model.service,
        champion,
        challenger,
        sinceMs,
        runs,
        ...(deps.incidentsOf ? { incidentsOf: deps.incidentsOf } : {}),
        ...(deps.labels ? { labels: deps.labels } : {}),
      }),
    };
  };
}

/** GET /api/v1/models/:name. Times are ISO 8601. */
export interface ModelDetailJson extends ModelJson {
  shadow: ShadowJson | null;
}

export interface ShadowJson {
  champion: number;
  challenger: number;
  since: string;
  runs: number;
  range: { from: string; to: string } | null;
  agreement: { both: number; champion_only: number; challenger_only: number; rate: number | null };
  incidents: number;
  labels: { real: number; false_alarm: number } | null;
  scores: Record<'champion' | 'challenger', SideJson>;
}

interface SideJson {
  version: number;
  alerts: number;
  incidents_caught: number;
  alerts_outside_incidents: number;
  feedback: { real_hit: number; false_alarms: number } | null;
}

export function modelDetailJson(d: ModelDetail): ModelDetailJson {
  const iso = (ms: number) => new Date(ms).toISOString();
  const s = d.shadow;
  const side = (version: number, x: ShadowComparison['championScore']): SideJson => ({
    version,
    alerts: x.alerts,
    incidents_caught: x.incidentsCaught,
    alerts_outside_incidents: x.alertsOutsideIncidents,
    feedback: x.feedback ? { real_hit: x.feedback.realHit, false_alarms: x.feedback.falseAlarms } : null,
  });
  return {
    ...modelJson(d.model),
    shadow: s
      ? {
          champion: s.champion,
          challenger: s.challenger,
          since: iso(s.sinceMs),
          runs: s.runs,
          range: s.range ? { from: iso(s.range.fromMs), to: iso(s.range.toMs) } : null,
          agreement: {
            both: s.agreement.both,
            champion_only: s.agreement.championOnly,
            challenger_only: s.agreement.challengerOnly,
            rate: s.agreement.rate,
          },
          incidents: s.incidents,
          labels: s.labels ? { real: s.labels.real, false_alarm: s.labels.falseAlarm } : null,
          scores: { champion: side(s.champion, s.championScore), challenger: side(s.challenger, s.challengerScore) },
        }
      : null,
  };
}
