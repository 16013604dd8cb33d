import type { Component } from './component';
import type { RobustZ } from './robust';

/**
 * Contextual surprise (a small Markov model, in the spirit of contextOSE): each value is
 * quantised into a band of robust z around the sliding median, and the statistic is
 * -log P(band_t | band_{t-2}, band_{t-1}) from exponentially forgotten transition counts.
 * A normal-looking value after an unusual sequence scores high. Constant memory (bins^3 cells).
 */
export class ContextSurprise implements Component {
  readonly name = 'context';
  center = NaN;
  spread = NaN;
  private readonly bins: number;
  private readonly counts: Float64Array;
  private readonly stamps: Float64Array;
  private readonly prefix: Float64Array;
  private readonly prefixStamps: Float64Array;
  /** decay^k for the short gaps between visits to a cell (most visits), computed once. */
  private readonly decayPowers: Float64Array;
  private b1 = -1;
  private b2 = -1;
  private t = 0;
  private stat = 0;

  /** Bands of `binWidth` robust SDs, `halfBins` each side; counts forgotten by `decay` per point. */
  constructor(
    private readonly robust: RobustZ,
    private readonly halfBins = 4,
    private readonly binWidth = 1,
    private readonly decay = 0.9998,
  ) {
    this.bins = 2 * halfBins;
    const n = this.bins;
    this.counts = new Float64Array(n * n * n);
    this.stamps = new Float64Array(n * n * n);
    this.prefix = new Float64Array(n * n);
    this.prefixStamps = new Float64Array(n * n);
    this.decayPowers = new Float64Array(64).map((_, k) => Math.pow(decay, k));
  }

  /** Call after robust.update(x): uses the band the robust window expected x in. */
  update(_t: number, x: number): number {
    this.stat = 0;
    const r = this.robust;
    if (Number.isNaN(r.spread)) return 0;
    this.center = r.center;
    this.spread = r.spread;
    const z = (x - r.center) / r.spread / this.binWidth;
    const b = Math.max(0, Math.min(this.bins - 1, Math.floor(z) + this.halfBins));
    this.t++;
    if (this.b2 >= 0) {
      const pi = this.b2 * this.bins + this.b1;
      const ci = pi * this.bins + b;
      const c = this.read(this.counts, this.stamps, ci);
      const cp = this.read(this.prefix, this.prefixStamps, pi);
      this.stat = -Math.log((c + 0.1) / (cp + 0.1 * this.bins));
      this.counts[ci] = c + 1;
      this.prefix[pi] = cp + 1;
    }
    this.b2 = this.b1;
    this.b1 = b;
    return this.stat;
  }

  private read(arr: Float64Array, stamps: Float64Array, i: number): number {
    const gap = this.t - stamps[i];
    const v = arr[i] * (gap < this.decayPowers.length ? this.decayPowers[gap] : Math.pow(this.decay, gap));
    stamps[i] = this.t;
    arr[i] = v;
    return v;
  }

  describe(): string {
    return `an unusual sequence of values (surprise ${this.stat.toFixed(1)} nats)`;
  }

  stateSize(): number {
    return 2 * (this.counts.length + this.prefix.length);
  }
}
