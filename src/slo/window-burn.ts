/**
 * The error budget one bounded episode (an incident) burned: the same burn rate as burn-rate.ts
 * (error ratio / (1 - target)), averaged over the episode and at its worst 5 minutes, and the
 * share of a 30-day budget the episode consumed.
 */

/** The SLO period the budget is counted over. */
export const SLO_PERIOD_S = 30 * 86_400;
/** The peak is the worst trailing window of this length (the shortest window BURN_RULES read). */
export const PEAK_WINDOW_S = 300;

export interface WindowBurn {
  /** Points of the error-ratio series inside the window. */
  points: number;
  /** Mean error ratio over the window. */
  meanErrorRatio: number;
  /** Mean burn rate over the window (1 = burning exactly the budget's pace). */
  meanBurnRate: number;
  /** The worst trailing 5-minute burn rate inside the window, and when it ended. */
  peakBurnRate: number;
  peakAtMs: number;
  /** Share of the period's budget (`periodS`) the window consumed: mean burn rate x window / period. */
  budgetConsumed: number;
}

/**
 * Burn of an error-ratio series (time-ordered [ms, ratio]) over [fromMs, toMs] against `target`;
 * undefined when no finite point falls in the window. Points before `fromMs` only feed the first
 * trailing windows of the peak.
 */
export function windowBurn(
  errorRatio: ReadonlyArray<readonly [number, number]>,
  fromMs: number,
  toMs: number,
  target: number,
  options: { periodS?: number; peakWindowS?: number } = {},
): WindowBurn | undefined {
  const budget = 1 - target;
  if (!(budget > 0 && budget < 1)) throw new RangeError(`SLO target must be between 0 and 1, got ${target}`);
  if (!(toMs > fromMs)) return undefined;
  const periodMs = (options.periodS ?? SLO_PERIOD_S) * 1000;
  const peakMs = (options.peakWindowS ?? PEAK_WINDOW_S) * 1000;
  const finite = errorRatio.filter(([, v]) => Number.isFinite(v));
  const inside = finite.filter(([t]) => t >= fromMs && t <= toMs);
  if (!inside.length) return undefined;
  const meanErrorRatio = inside.reduce((sum, [, v]) => sum + v, 0) / inside.length;
  let peak = { rate: -Infinity, at: inside[0][0] };
  let start = 0;
  let sum = 0;
  let end = 0;
  // One pass: the trailing window (t - peakMs, t] over every point, as burnRates reads its windows.
  for (const [t] of inside) {
    while (end < finite.length && finite[end][0] <= t) sum += finite[end++][1];
    while (start < end && finite[start][0] <= t - peakMs) sum -= finite[start++][1];
    const rate = sum / (end - start) / budget;
    if (rate > peak.rate) peak = { rate, at: t };
  }
  const meanBurnRate = meanErrorRatio / budget;
  return {
    points: inside.length,
    meanErrorRatio,
    meanBurnRate,
    peakBurnRate: peak.rate,
    peakAtMs: peak.at,
    budgetConsumed: (meanBurnRate * (toMs - fromMs)) / periodMs,
  };
}
