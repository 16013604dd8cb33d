import type { Component } from './component';

const DAY_MS = 86_400_000;

/**
 * Daily seasonal baseline: a slow level plus a per-phase profile (phase = time of day, from the
 * timestamps, at the series' own sampling step). Memory: one slot per phase, at most `maxPeriod`.
 */
export class SeasonalBaseline implements Component {
  readonly name = 'seasonal';
  center = NaN;
  spread = NaN;
  private readonly diffs: number[] = [];
  private lastT = NaN;
  private step = 0;
  private period = 0; // 0 = not decided yet, -1 = no usable daily period
  private profile = new Float64Array(0);
  private seen = new Uint16Array(0);
  private level = NaN;
  private absErr = 0;
  private nErr = 0;
  private z = 0;

  constructor(
    private readonly alpha: number,
    private readonly errAlpha: number,
    private readonly maxPeriod: number,
    private readonly stepSamples: number,
    private readonly periodMs = DAY_MS,
  ) {}

  update(t: number, x: number): number {
    this.z = 0;
    if (this.period === 0) this.learnStep(t);
    if (this.period <= 0) return 0;
    const p = this.period;
    const P = this.periodMs;
    const phase = Math.floor((((t % P) + P) % P) / this.step) % p;
    const lvlAlpha = 1 / p;
    if (Number.isNaN(this.level)) this.level = x;
    const expected = this.level + this.profile[phase];
    const err = x - expected;
    const scale = 1.2533 * this.absErr;
    const ready = this.seen[phase] >= 2 && this.nErr >= p;
    if (ready) {
      this.center = expected;
      this.spread = scale;
      this.z = scale > 0 ? Math.abs(err) / scale : err === 0 ? 0 : Infinity;
    }
    const clip = ready && scale > 0 ? 4 * scale : Infinity;
    const e = Math.max(-clip, Math.min(clip, err));
    const a = this.seen[phase] === 0 ? 1 : this.alpha;
    this.profile[phase] +=
      a * (x - this.level - this.profile[phase]) * (Number.isFinite(clip) ? Math.abs(e / (err || 1)) : 1);
    this.level += lvlAlpha * e;
    if (this.seen[phase] < 65535) this.seen[phase]++;
    if (this.seen[phase] >= 2) {
      this.nErr++;
      this.absErr += (Math.min(Math.abs(err), clip) - this.absErr) * Math.max(this.errAlpha, 1 / this.nErr);
    }
    return this.z;
  }

  private learnStep(t: number): void {
    if (!Number.isNaN(this.lastT) && t > this.lastT) this.diffs.push(t - this.lastT);
    this.lastT = t;
    if (this.diffs.length < this.stepSamples) return;
    const sorted = this.diffs.sort((a, b) => a - b);
    this.step = sorted[sorted.length >> 1];
    const p = Math.round(this.periodMs / this.step);
    this.period =
      p >= 4 && p <= this.maxPeriod && Math.abs(p * this.step - this.periodMs) < 0.01 * this.periodMs ? p : -1;
    this.diffs.length = 0;
    if (this.period > 0) {
      this.profile = new Float64Array(this.period);
      this.seen = new Uint16Array(this.period);
    }
  }

  /** The z-score of the last update (0 while warming up). */
  get lastZ(): number {
    return this.z;
  }

  describe(): string {
    return `${this.z.toFixed(1)} SDs off the usual level for this time of day`;
  }

  stateSize(): number {
    return this.stepSamples + 2 * this.profile.length + 8;
  }
}
