/**
 * Evaluates a newly registered version beside the current champion on the same data (issue 15,
 * point 2): the service's history over the training window, one signal, bounded in length, and
 * the scorecard of ./scorecard.ts. A version's scorer is its ONNX bundle (./bundle.ts loadBundle):
 * each point's feature row scored by the forest, as 1 - the calibrated tail probability.
 * Incidents the store knows for the service (given by the caller) are `real` periods to catch.
 * 👍/👎 feedback on the service (src/models/feedback.ts labels(), given by the caller) is scored on
 * the same history: a `real` window is an anomaly to catch, a `false_alarm` one a period where an
 * alert is a false alert; a window about another signal than the one evaluated is left out.
 */
import { AppError } from '../errors';
import type { MetricsSource, Signal } from '../sources/types';
import type { Scorer } from './backtest';
import type { LabelledPeriod } from './backtest-labelled';
import { loadBundle, type LoadedBundle } from './bundle';
import { fetchHistory } from './history';
import type { JsonObject, ModelVersion } from './registry-types';
import { buildScorecard, type Scorecard } from './scorecard';
import { featureRows } from './train';

/** Alert when the tail probability of a point's score is at most 1 in 1,000. */
export const ALERT_TAIL = 1e-3;
/** The evaluation scores at most this many of the latest points (two days of one-minute data). */
export const MAX_EVAL_POINTS = 2_880;

export interface Candidate {
  version: ModelVersion;
  service: string;
  onnx: Uint8Array;
}

export interface Champion {
  version: ModelVersion;
  onnx: Uint8Array;
}

/** A labelled window of feedback: about one signal, or (absent) every signal of the service. */
export type FeedbackPeriod = LabelledPeriod & { signal?: Signal };

/** The one signal both versions score, its finite points (bounded) and the scorecard. */
export async function evaluateVersion(
  source: MetricsSource,
  candidate: Candidate,
  champion: Champion | null,
  feedback: readonly FeedbackPeriod[] = [],
  incidents: readonly LabelledPeriod[] = [],
): Promise<JsonObject> {
  const mine = await loadBundle(candidate.onnx);
  const theirs = champion ? await loadBundle(champion.onnx) : null;
  try {
    const signal = Object.keys(mine.scorers)[0] as Signal;
    const { fromMs, toMs } = candidate.version.window;
    const stepMs = mine.meta.window.stepMs;
    const history = await fetchHistory(source, {
      service: candidate.service,
      windowS: Math.round((toMs - fromMs) / 1000),
      toMs,
      stepMs,
      signals: [signal],
    });
    const values = history.signals[0].values;
    const ts: number[] = [];
    const vs: number[] = [];
    values.forEach((v, k) => {
      if (Number.isFinite(v)) {
        ts.push(fromMs + (k + 1) * stepMs);
        vs.push(v);
      }
    });
    const from = Math.max(0, ts.length - MAX_EVAL_POINTS);
    const rival = theirs?.scorers[signal] ? theirs : null;
    const periods = feedback
      .filter((p) => p.signal === undefined || p.signal === signal)
      .map(({ fromMs: f, toMs: t, label }) => ({ fromMs: f, toMs: t, label }));
    const card = await buildScorecard({
      timestamps: ts.slice(from),
      values: vs.slice(from),
      seed: candidate.version.seed,
      warmupPoints: Math.max(mine.meta.params.window, rival?.meta.params.window ?? 0) * 2,
      feedback: periods,
      labels: incidents,
      candidate: { version: candidate.version.version, threshold: 1 - ALERT_TAIL, scorer: scorerOf(mine, signal) },
      champion:
        rival && champion
          ? { version: champion.version.version, threshold: 1 - ALERT_TAIL, scorer: scorerOf(rival, signal) }
          : null,
    });
    return { scorecard: summary(card, signal, ts.length - from) };
  } finally {
    await mine.close();
    await theirs?.close();
  }
}

/** A bundle's scorer for one signal: 0 until a full feature window, then 1 - tail probability. */
export function scorerOf(bundle: LoadedBundle, signal: Signal): Scorer {
  const s = bundle.scorers[signal];
  if (!s) throw new AppError('bad_request', `${bundle.meta.model} has no model for ${signal}`);
  const window = bundle.meta.params.window;
  return async (_timestamps, values) => {
    const out = new Float64Array(values.length);
    const m = featureRows(values, { window });
    const scores = await s.score(m.data, m.rows);
    // Every value is finite here: row i is point i + window - 1.
    for (let i = 0; i < m.rows; i++) out[i + window - 1] = 1 - s.tailProbability(scores[i]);
    return out;
  };
}

/** What the registry keeps of a scorecard (plain JSON) and what the reply shows. */
function summary(card: Scorecard, signal: Signal, points: number): JsonObject {
  return {
    signal,
    points,
    seed: card.seed,
    candidate: card.candidate.version,
    champion: card.champion?.version ?? null,
    recommendation: card.recommendation,
    reason: card.reason,
    rule: card.ruleText,
    feedback: card.feedbackText,
    rows: card.rows.map((r) => ({
      id: r.id,
      label: r.label,
      unit: r.unit,
      better: r.better,
      champion: r.champion ? r.champion.value : null,
      candidate: r.candidate.value,
    })),
  };
}
