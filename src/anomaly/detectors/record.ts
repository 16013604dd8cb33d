import type { Component } from './component';
import { spreadFloor } from './component';

/**
 * Record break ("record"): how far a value goes past the highest or lowest value seen so far, as
 * a fraction of the range seen so far. O(1) memory. Breaks are rarer the longer a series has run
 * inside its range, so `pValue` is the rate of earlier breaks, not a fitted tail.
 */
export class RecordBreak implements Component {
  readonly name = 'record';
  center = NaN;
  spread = NaN;
  private hi = -Infinity;
  private lo = Infinity;
  /** Highest and lowest value per block of `block` points, for the last `blocks` blocks (a ring). */
  private readonly his: Float64Array;
  private readonly los: Float64Array;
  private inBlock = 0;
  private head = 0;
  private n = 0;
  private breaks = 0;
  private stat = 0;
  /** How far the last value passed the record, in the series' units (0 if it did not). */
  excess = 0;
  private up = true;

  constructor(
    private readonly minPoints: number,
    /** Fraction of the range a value must pass the record by to count. */
    private readonly tolerance: number,
    /** Points a record is remembered for, about (block-wise); Infinity = for ever. */
    horizon = Infinity,
    private readonly block = 500,
  ) {
    const blocks = Number.isFinite(horizon) ? Math.max(1, Math.ceil(horizon / block)) : 0;
    this.his = new Float64Array(blocks).fill(-Infinity);
    this.los = new Float64Array(blocks).fill(Infinity);
  }

  update(_t: number, x: number): number {
    this.stat = 0;
    this.excess = 0;
    if (this.n >= this.minPoints) {
      const range = Math.max(this.hi - this.lo, spreadFloor((this.hi + this.lo) / 2, this.hi - this.lo));
      this.center = (this.hi + this.lo) / 2;
      this.spread = range / 6;
      this.up = x > this.hi;
      this.excess = Math.max(0, x - this.hi, this.lo - x);
      this.stat = this.excess / range;
    }
    this.n++;
    if (this.stat > this.tolerance) this.breaks++;
    if (this.his.length === 0) {
      if (x > this.hi) this.hi = x;
      if (x < this.lo) this.lo = x;
      return this.stat;
    }
    const h = this.head;
    if (x > this.his[h]) this.his[h] = x;
    if (x < this.los[h]) this.los[h] = x;
    if (x > this.hi) this.hi = x;
    if (x < this.lo) this.lo = x;
    if (++this.inBlock === this.block) {
      // The oldest block leaves: the records become the extremes of the blocks still held.
      this.inBlock = 0;
      this.head = (h + 1) % this.his.length;
      this.his[this.head] = -Infinity;
      this.los[this.head] = Infinity;
      let hi = -Infinity;
      let lo = Infinity;
      for (let i = 0; i < this.his.length; i++) {
        if (this.his[i] > hi) hi = this.his[i];
        if (this.los[i] < lo) lo = this.los[i];
      }
      this.hi = hi;
      this.lo = lo;
    }
    return this.stat;
  }

  /** Chance of a break this size, from the rate of breaks so far (1 when it is within tolerance). */
  pValue(): number {
    if (!(this.stat > this.tolerance) || this.n <= this.minPoints) return 1;
    return Math.min(1, this.breaks / (this.n - this.minPoints));
  }

  describe(): string {
    return (
      `${(100 * this.stat).toFixed(0)}% of the usual range ${this.up ? 'above the highest' : 'below the lowest'} ` +
      'value so far'
    );
  }

  stateSize(): number {
    return 2 * this.his.length;
  }
}
