/** Shared series and scorers for the backtest tests: a seeded daily-cycle series and known-answer scorers. */
import { createRng } from '../../src/anomaly/iforest/rng';
import type { Scorer } from '../../src/models/backtest';
import type { InjectedLabel } from '../../src/models/inject';

export const T0 = Date.UTC(2024, 0, 1);
export const MINUTE = 60_000;

/** `days` of one-minute points: a daily cycle around 100 plus seeded noise. */
export function dailySeries(days: number, seed = 7): { timestamps: Float64Array; values: Float64Array } {
  const n = days * 1440;
  const rng = createRng(seed);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = T0 + i * MINUTE;
    values[i] = 100 + 20 * Math.sin((2 * Math.PI * i) / 1440) + 4 * (rng.next() - 0.5);
  }
  return { timestamps, values };
}

/** Alerts (score 1) on every point of every label (NaN during warm-up, 0 elsewhere). */
export function oracle(labels: readonly InjectedLabel[], warmup: number): Scorer {
  return async (ts) => {
    const s = new Float64Array(ts.length);
    for (let i = 0; i < warmup; i++) s[i] = NaN;
    for (const l of labels) for (let i = l.startIndex; i <= l.endIndex; i++) s[i] = 1;
    return s;
  };
}

export const never: Scorer = async (ts) => new Float64Array(ts.length);

/** Catches every other anomaly, late, and raises `falseAlerts` isolated alerts halfway between anomalies. */
export function noisy(labels: readonly InjectedLabel[], falseAlerts: number): Scorer {
  return async (ts) => {
    const s = new Float64Array(ts.length);
    labels.forEach((l, k) => {
      if (k % 2 === 0) s[Math.min(l.endIndex, l.startIndex + 2)] = 1;
    });
    for (let k = 0; k < falseAlerts && k + 1 < labels.length; k++) {
      s[(labels[k].endIndex + labels[k + 1].startIndex) >> 1] = 1;
    }
    return s;
  };
}
