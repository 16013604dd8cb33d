import type { Component } from './component';
import { spreadFloor } from './component';
import { SortedWindow } from './sorted-window';

/** Sliding-window median/MAD z-score of the point itself ("robust-z"). */
export class RobustZ implements Component {
  readonly name = 'robust-z';
  center = NaN;
  spread = NaN;
  /** 1.4826 MAD without the floor (0 for a constant window). */
  rawSpread = NaN;
  private z = 0;
  private readonly win: SortedWindow;

  constructor(
    window: number,
    private readonly minPoints: number,
  ) {
    this.win = new SortedWindow(window);
  }

  /** The shared long window, so the level-shift and variance components can reuse it. */
  get window(): SortedWindow {
    return this.win;
  }

  update(_t: number, x: number): number {
    const w = this.win;
    this.z = 0;
    if (w.size >= this.minPoints) {
      const med = w.median();
      const range = w.quantile(1) - w.quantile(0);
      this.center = med;
      this.rawSpread = 1.4826 * w.mad(med);
      this.spread = Math.max(this.rawSpread, spreadFloor(med, range));
      this.z = Math.abs(x - med) / this.spread;
    }
    w.push(x);
    return this.z;
  }

  describe(): string {
    return `${this.z.toFixed(1)} robust SDs from the sliding median`;
  }

  stateSize(): number {
    return 2 * this.win.capacity;
  }
}

/**
 * Level shift: the median of the last few points against the long-window median, in long-window
 * robust SDs ("level-shift"); and variance change: log ratio of short to long MAD ("variance").
 */
export class ShortVsLong implements Component {
  center = NaN;
  spread = NaN;
  private stat = 0;
  private readonly short: SortedWindow;

  constructor(
    readonly name: 'level-shift' | 'variance',
    private readonly long: RobustZ,
    shortWindow: number,
  ) {
    this.short = new SortedWindow(shortWindow);
  }

  update(_t: number, x: number): number {
    // Called after long.update(x): the long window already holds x, like the short one will.
    this.short.push(x);
    this.stat = 0;
    const long = this.long;
    if (Number.isNaN(long.spread) || this.short.size < this.short.capacity) return 0;
    this.center = long.center;
    this.spread = long.spread;
    if (this.name === 'level-shift') {
      this.stat = Math.abs(this.short.median() - long.center) / long.spread;
    } else {
      const floor = 0.1 * long.spread;
      const s = 1.4826 * this.short.mad(this.short.median());
      this.stat = Math.abs(Math.log((s + floor) / (long.rawSpread + floor)));
    }
    return this.stat;
  }

  describe(): string {
    return this.name === 'level-shift'
      ? `recent median ${this.stat.toFixed(1)} robust SDs from the longer-run median`
      : `recent spread ${Math.exp(this.stat).toFixed(1)}x different from usual`;
  }

  stateSize(): number {
    return 2 * this.short.capacity;
  }
}
