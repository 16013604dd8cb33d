/**
 * Multi-window, multi-burn-rate alerting on the error budget (Google SRE workbook, ch. 5):
 * a rule fires when both its long and its short window burn the budget faster than its factor,
 * so it catches fast burns quickly and stops firing soon after a burn ends.
 */
export interface BurnRule {
  name: string;
  longS: number;
  shortS: number;
  factor: number;
  severity: 'page' | 'ticket';
}

export const BURN_RULES: readonly BurnRule[] = [
  { name: '2% of budget in 1h', longS: 3600, shortS: 300, factor: 14.4, severity: 'page' },
  { name: '5% of budget in 6h', longS: 6 * 3600, shortS: 1800, factor: 6, severity: 'page' },
  { name: '10% of budget in 3d', longS: 3 * 86_400, shortS: 6 * 3600, factor: 1, severity: 'ticket' },
];

/** The longest window any rule reads. */
export const BURN_HISTORY_S = Math.max(...BURN_RULES.map((r) => r.longS));

export interface BurnResult {
  /** The SLO target the budget comes from, e.g. 0.99. */
  target: number;
  /** Burn rate per window length in seconds: error ratio / (1 - target). */
  rates: Record<number, number>;
  /** Rules that fire, most severe first. */
  firing: Array<{ rule: string; severity: 'page' | 'ticket'; long: number; short: number; factor: number }>;
}

/** Burn rates of an error-ratio series (time-ordered [ms, ratio]) evaluated at `atMs`. */
export function burnRates(
  errorRatio: ReadonlyArray<readonly [number, number]>,
  atMs: number,
  target: number,
): BurnResult {
  const budget = 1 - target;
  if (!(budget > 0 && budget < 1)) throw new RangeError(`SLO target must be between 0 and 1, got ${target}`);
  const windows = [...new Set(BURN_RULES.flatMap((r) => [r.longS, r.shortS]))];
  const rates: Record<number, number> = {};
  for (const w of windows) {
    let sum = 0;
    let n = 0;
    for (const [t, v] of errorRatio) {
      if (t > atMs - w * 1000 && t <= atMs && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    rates[w] = n ? sum / n / budget : NaN;
  }
  const firing = BURN_RULES.filter((r) => rates[r.longS] > r.factor && rates[r.shortS] > r.factor).map((r) => ({
    rule: r.name,
    severity: r.severity,
    long: rates[r.longS],
    short: rates[r.shortS],
    factor: r.factor,
  }));
  return { target, rates, firing };
}
