/**
 * Seeded synthetic "normal" metric series (level + AR(1) noise + optional seasonality and drift),
 * for training a generic forest before a series has history, and for tests and benchmarks.
 */
import { createRng, type Rng } from './rng';

export interface SyntheticSeriesOptions {
  length: number;
  seed?: number;
  /** Typical level; each series multiplies it by a random factor (default 100). */
  level?: number;
}

/** Standard normal draw (Box-Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export function syntheticSeries(opts: SyntheticSeriesOptions): number[] {
  const rng = createRng(opts.seed ?? 1);
  const level = (opts.level ?? 100) * 10 ** (rng.next() * 4 - 2);
  const noise = level * (0.01 + 0.1 * rng.next());
  const phi = 0.8 * rng.next();
  const period = rng.next() < 0.5 ? 0 : 24 + rng.int(120);
  const amplitude = period ? noise * 3 * rng.next() : 0;
  const drift = (rng.next() - 0.5) * noise * 0.02;
  const out: number[] = [];
  let e = 0;
  for (let t = 0; t < opts.length; t++) {
    e = phi * e + Math.sqrt(1 - phi * phi) * gaussian(rng);
    const season = period ? amplitude * Math.sin((2 * Math.PI * t) / period) : 0;
    out.push(level + drift * t + season + noise * e);
  }
  return out;
}
