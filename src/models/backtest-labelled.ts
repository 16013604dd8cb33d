/**
 * A detector version on labelled periods of the service's real history (issue 15, point 2a):
 * incidents the store knows and 👍 real / 👎 false-alarm feedback. A real period is hit when an
 * alert (score >= threshold) falls in it; a false-alarm period counts when the version would have
 * alerted in it again. A period with no finite score (no data, or the detector still warming up)
 * is no evidence either way: it is reported as uncovered and left out of the counts.
 */

export type PeriodLabel = 'real' | 'false_alarm';

export interface LabelledPeriod {
  fromMs: number;
  toMs: number;
  label: PeriodLabel;
}

/** Scores of a series by time: `scores[i]` at `timestamps[i]`, timestamps ascending. */
export interface TimedScores {
  timestamps: ArrayLike<number>;
  scores: ArrayLike<number>;
}

export interface LabelledOutcome extends LabelledPeriod {
  covered: boolean;
  alerted: boolean;
  firstAlertMs: number | null;
}

export interface LabelledResult {
  realPeriods: number;
  /** Real periods with an alert. */
  realHits: number;
  falseAlarmPeriods: number;
  /** False-alarm periods where this version alerts too. */
  falseAlarmsRaised: number;
  uncovered: number;
  periods: LabelledOutcome[];
}

/** First index with timestamps[i] >= t. */
function lowerBound(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function outcome(s: TimedScores, p: LabelledPeriod, threshold: number): LabelledOutcome {
  let covered = false;
  for (let i = lowerBound(s.timestamps, p.fromMs); i < s.timestamps.length && s.timestamps[i] <= p.toMs; i++) {
    if (!Number.isFinite(s.scores[i])) continue;
    covered = true;
    if (s.scores[i] >= threshold) return { ...p, covered, alerted: true, firstAlertMs: s.timestamps[i] };
  }
  return { ...p, covered, alerted: false, firstAlertMs: null };
}

export function scoreLabelled(
  scoresByTime: TimedScores,
  labels: readonly LabelledPeriod[],
  threshold: number,
): LabelledResult {
  if (scoresByTime.scores.length !== scoresByTime.timestamps.length) {
    throw new Error('scoreLabelled: timestamps and scores differ in length');
  }
  const periods = labels.map((p) => outcome(scoresByTime, p, threshold));
  const covered = periods.filter((p) => p.covered);
  const real = covered.filter((p) => p.label === 'real');
  const falseAlarm = covered.filter((p) => p.label === 'false_alarm');
  return {
    realPeriods: real.length,
    realHits: real.filter((p) => p.alerted).length,
    falseAlarmPeriods: falseAlarm.length,
    falseAlarmsRaised: falseAlarm.filter((p) => p.alerted).length,
    uncovered: periods.length - covered.length,
    periods,
  };
}
