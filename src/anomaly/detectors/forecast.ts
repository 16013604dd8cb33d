import type { Component } from './component';

/** Holt (level + trend) exponential smoothing with Huber-clipped updates; scores the residual. */
export class HoltForecast implements Component {
  readonly name = 'forecast';
  center = NaN;
  spread = NaN;
  private level = NaN;
  private trend = 0;
  private absErr = 0;
  private n = 0;
  private z = 0;

  constructor(
    private readonly alpha: number,
    private readonly beta: number,
    private readonly errAlpha: number,
    private readonly minPoints: number,
  ) {}

  update(_t: number, x: number): number {
    this.z = 0;
    if (Number.isNaN(this.level)) {
      this.level = x;
      this.n = 1;
      return 0;
    }
    const pred = this.level + this.trend;
    const err = x - pred;
    const scale = 1.2533 * this.absErr; // mean |e| -> SD for Gaussian errors
    if (this.n >= this.minPoints && scale > 0) {
      this.center = pred;
      this.spread = scale;
      this.z = Math.abs(err) / scale;
    } else if (this.n >= this.minPoints && err !== 0) {
      this.z = Infinity;
    }
    const clip = this.n >= this.minPoints ? 3 * scale : Infinity;
    const e = Math.max(-clip, Math.min(clip, err));
    const prevLevel = this.level;
    this.level = pred + this.alpha * e;
    this.trend = (1 - this.beta) * this.trend + this.beta * (this.level - prevLevel);
    this.absErr +=
      (Math.min(Math.abs(err), clip === Infinity ? Math.abs(err) : 2 * clip) - this.absErr) *
      (this.n < 1 / this.errAlpha ? 1 / (this.n + 1) : this.errAlpha);
    this.n++;
    return this.z;
  }

  describe(): string {
    return `${this.z.toFixed(1)} SDs off the smoothed forecast`;
  }

  stateSize(): number {
    return 6;
  }
}
