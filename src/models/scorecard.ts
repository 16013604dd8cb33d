/**
 * The side-by-side scorecard of a new detector version against the current champion (issue 15,
 * point 2): both run the same backtest (the same injected series from the same seed, ./inject.ts
 * and ./backtest.ts) and, when there are labelled periods (incidents, 👍/👎 feedback), are scored
 * on the same real history. Plain data: the reply is drawn in src/present/.
 *
 * The recommendation rule (RULE_TEXT): promote when the candidate's NAB-style score beats the
 * champion's by at least `minNabGain` points, it raises at most `maxExtraFalseAlertsPerDay` more
 * false alerts a day, and on labelled periods it hits no fewer real ones and alerts in no more
 * false-alarm ones (incidents, then 👍/👎 feedback, each on its own); otherwise keep the champion.
 * With no champion the version is the first one.
 */
import { evaluateBacktest, type BacktestResult, type Scorer } from './backtest';
import { scoreLabelled, type LabelledPeriod, type LabelledResult } from './backtest-labelled';
import { ANOMALY_KINDS, injectAnomalies, type InjectOptions, type InjectedLabel } from './inject';

export interface VersionUnderTest {
  version: number;
  /** Alert when score >= threshold (the version's calibration). */
  threshold: number;
  scorer: Scorer;
}

export interface PromotionRule {
  minNabGain: number;
  maxExtraFalseAlertsPerDay: number;
}

export const DEFAULT_RULE: Readonly<PromotionRule> = Object.freeze({ minNabGain: 2, maxExtraFalseAlertsPerDay: 0.5 });

export const RULE_TEXT =
  'promote when the new version beats the champion by at least {minNabGain} NAB-style points, raises at most ' +
  '{maxExtraFalseAlertsPerDay} more false alerts a day, and hits no fewer real labelled periods and alerts in ' +
  'no more false-alarm ones; otherwise keep the champion';

export interface ScorecardInput {
  /** The service's own history the versions are compared on. */
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  seed: number;
  warmupPoints: number;
  inject?: Omit<InjectOptions, 'seed' | 'warmupPoints'>;
  toleranceMs?: number;
  eventGapMs?: number;
  /** Incidents and feedback for this service, scored on the original (not injected) history. */
  labels?: readonly LabelledPeriod[];
  /** 👍 real / 👎 false-alarm feedback (src/models/feedback.ts labels()), scored and reported apart from `labels`. */
  feedback?: readonly LabelledPeriod[];
  candidate: VersionUnderTest;
  champion?: VersionUnderTest | null;
  rule?: Partial<PromotionRule>;
}

export interface VersionEvaluation {
  version: number;
  threshold: number;
  backtest: BacktestResult;
  /** Null when there were no labelled periods. */
  labelled: LabelledResult | null;
  /** Feedback periods; null (or absent) when there was no feedback. */
  feedback?: LabelledResult | null;
}

export interface Cell {
  value: number | null;
  /** For counts: out of how many (labelled periods with data). */
  of?: number;
}

export interface ScorecardRow {
  id: string;
  label: string;
  unit: 'ratio' | 'per_day' | 'seconds' | 'points' | 'count';
  better: 'higher' | 'lower';
  champion: Cell | null;
  candidate: Cell;
}

export type Recommendation = 'promote' | 'keep_champion' | 'first_version';

export interface Scorecard {
  seed: number;
  injected: InjectedLabel[];
  candidate: VersionEvaluation;
  champion: VersionEvaluation | null;
  rows: ScorecardRow[];
  recommendation: Recommendation;
  /** One sentence. */
  reason: string;
  rule: PromotionRule;
  ruleText: string;
  /** "feedback: v2 caught 3/4 real, alerted in 1/5 false alarms; v1 …", null without feedback. */
  feedbackText: string | null;
}

async function evaluate(v: VersionUnderTest, input: ScorecardInput, injected: ReturnType<typeof injectAnomalies>) {
  const scores = await v.scorer(injected.timestamps.slice(), injected.values.slice());
  const backtest = evaluateBacktest(injected, scores, {
    threshold: v.threshold,
    toleranceMs: input.toleranceMs,
    eventGapMs: input.eventGapMs,
  });
  let labelled: LabelledResult | null = null;
  let feedback: LabelledResult | null = null;
  if (input.labels?.length || input.feedback?.length) {
    const ts = Float64Array.from(input.timestamps);
    const real = { timestamps: ts, scores: await v.scorer(ts.slice(), Float64Array.from(input.values)) };
    if (input.labels?.length) labelled = scoreLabelled(real, input.labels, v.threshold);
    if (input.feedback?.length) feedback = scoreLabelled(real, input.feedback, v.threshold);
  }
  return { version: v.version, threshold: v.threshold, backtest, labelled, feedback };
}

type RowSpec = Omit<ScorecardRow, 'champion' | 'candidate'> & { cell: (e: VersionEvaluation) => Cell };

function rowSpecs(withLabels: boolean, withFeedback = false): RowSpec[] {
  const specs: RowSpec[] = ANOMALY_KINDS.map((kind) => ({
    id: `recall.${kind}`,
    label: `recall: ${kind.replace('_', ' ')}`,
    unit: 'ratio',
    better: 'higher',
    cell: (e) => ({ value: e.backtest.recallByKind[kind].recall }),
  }));
  specs.push(
    {
      id: 'recall',
      label: 'recall: all',
      unit: 'ratio',
      better: 'higher',
      cell: (e) => ({ value: e.backtest.recall }),
    },
    {
      id: 'false_alerts_per_day',
      label: 'false alerts a day',
      unit: 'per_day',
      better: 'lower',
      cell: (e) => ({ value: e.backtest.falseAlertsPerDay }),
    },
    {
      id: 'median_delay',
      label: 'median detection delay',
      unit: 'seconds',
      better: 'lower',
      cell: (e) => ({ value: e.backtest.medianDelaySeconds }),
    },
    { id: 'nab', label: 'NAB-style score', unit: 'points', better: 'higher', cell: (e) => ({ value: e.backtest.nab }) },
  );
  if (withFeedback) specs.push(...FEEDBACK_ROWS);
  if (!withLabels) return specs;
  specs.push(
    {
      id: 'labelled.real_hits',
      label: 'real incidents alerted',
      unit: 'count',
      better: 'higher',
      cell: (e) => ({ value: e.labelled?.realHits ?? null, of: e.labelled?.realPeriods }),
    },
    {
      id: 'labelled.false_alarms',
      label: 'false alarms raised again',
      unit: 'count',
      better: 'lower',
      cell: (e) => ({ value: e.labelled?.falseAlarmsRaised ?? null, of: e.labelled?.falseAlarmPeriods }),
    },
  );
  return specs;
}

const FEEDBACK_ROWS: RowSpec[] = [
  {
    id: 'feedback.real_hits',
    label: 'feedback: real alerts caught',
    unit: 'count',
    better: 'higher',
    cell: (e) => ({ value: e.feedback?.realHits ?? null, of: e.feedback?.realPeriods }),
  },
  {
    id: 'feedback.false_alarms',
    label: 'feedback: false alarms raised again',
    unit: 'count',
    better: 'lower',
    cell: (e) => ({ value: e.feedback?.falseAlarmsRaised ?? null, of: e.feedback?.falseAlarmPeriods }),
  },
];

/** "feedback: v2 caught 3/4 real, alerted in 1/5 false alarms; v1 caught 2/4 real, alerted in 2/5 false alarms". */
export function feedbackText(candidate: VersionEvaluation, champion: VersionEvaluation | null): string | null {
  const one = (e: VersionEvaluation) => {
    const f = e.feedback;
    if (!f) return '';
    const uncovered = f.uncovered ? ` (${f.uncovered} outside the data)` : '';
    return (
      `v${e.version} caught ${f.realHits}/${f.realPeriods} real, ` +
      `alerted in ${f.falseAlarmsRaised}/${f.falseAlarmPeriods} false alarms${uncovered}`
    );
  };
  if (!candidate.feedback) return null;
  return `feedback: ${[candidate, ...(champion?.feedback ? [champion] : [])].map(one).join('; ')}`;
}

const f1 = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(1));

/** The recommendation and its one-sentence reason, by the rule in RULE_TEXT. */
export function recommend(
  candidate: VersionEvaluation,
  champion: VersionEvaluation | null,
  rule: PromotionRule = DEFAULT_RULE,
): { recommendation: Recommendation; reason: string } {
  const c = candidate.backtest;
  const v = `v${candidate.version}`;
  if (!champion) {
    return {
      recommendation: 'first_version',
      reason:
        `No champion yet: ${v} is the first version (NAB-style ${f1(c.nab)}, ` +
        `${f1(c.falseAlertsPerDay)} false alerts a day).`,
    };
  }
  const h = champion.backtest;
  const w = `v${champion.version}`;
  const keep = (reason: string) => ({ recommendation: 'keep_champion' as const, reason });
  if (c.nab === null || h.nab === null || c.nab - h.nab < rule.minNabGain) {
    return keep(
      `Keep ${w}: ${v} scores ${f1(c.nab)} against ${f1(h.nab)} (NAB-style), ` +
        `short of the ${rule.minNabGain} points a promotion needs.`,
    );
  }
  if (c.falseAlertsPerDay > h.falseAlertsPerDay + rule.maxExtraFalseAlertsPerDay) {
    return keep(
      `Keep ${w}: ${v} raises ${f1(c.falseAlertsPerDay)} false alerts a day against ${f1(h.falseAlertsPerDay)}.`,
    );
  }
  const cl = candidate.labelled;
  const hl = champion.labelled;
  if (cl && hl && cl.realHits < hl.realHits) {
    return keep(`Keep ${w}: ${v} alerts on ${cl.realHits} real incidents against ${hl.realHits}.`);
  }
  if (cl && hl && cl.falseAlarmsRaised > hl.falseAlarmsRaised) {
    return keep(
      `Keep ${w}: ${v} alerts in ${cl.falseAlarmsRaised} periods marked false alarm against ${hl.falseAlarmsRaised}.`,
    );
  }
  const cf = candidate.feedback;
  const hf = champion.feedback;
  if (cf && hf && cf.realHits < hf.realHits) {
    return keep(`Keep ${w}: ${v} catches ${cf.realHits} alerts people marked real against ${hf.realHits}.`);
  }
  if (cf && hf && cf.falseAlarmsRaised > hf.falseAlarmsRaised) {
    return keep(
      `Keep ${w}: ${v} alerts in ${cf.falseAlarmsRaised} of the periods people marked false alarm, ` +
        `${w} in ${hf.falseAlarmsRaised}.`,
    );
  }
  return {
    recommendation: 'promote',
    reason:
      `Promote ${v}: it scores ${f1(c.nab)} against ${f1(h.nab)} (NAB-style) with ` +
      `${f1(c.falseAlertsPerDay)} false alerts a day against ${f1(h.falseAlertsPerDay)}.`,
  };
}

/** Backtest (and labelled periods) for the candidate and the champion on the same data, side by side. */
export async function buildScorecard(input: ScorecardInput): Promise<Scorecard> {
  const rule: PromotionRule = { ...DEFAULT_RULE, ...input.rule };
  const injected = injectAnomalies(input.timestamps, input.values, {
    ...input.inject,
    seed: input.seed,
    warmupPoints: input.warmupPoints,
  });
  const candidate = await evaluate(input.candidate, input, injected);
  const champion = input.champion ? await evaluate(input.champion, input, injected) : null;
  const rows = rowSpecs(Boolean(input.labels && input.labels.length > 0), Boolean(input.feedback?.length)).map(
    ({ cell, ...row }) => ({
      ...row,
      champion: champion ? cell(champion) : null,
      candidate: cell(candidate),
    }),
  );
  const ruleText = RULE_TEXT.replace('{minNabGain}', String(rule.minNabGain)).replace(
    '{maxExtraFalseAlertsPerDay}',
    String(rule.maxExtraFalseAlertsPerDay),
  );
  return {
    seed: input.seed,
    injected: injected.labels,
    candidate,
    champion,
    rows,
    ...recommend(candidate, champion, rule),
    rule,
    ruleText,
    feedbackText: feedbackText(candidate, champion),
  };
}
