import { SortedWindow } from './sorted-window';

/**
 * Calibrates a statistic as a tail probability against its own recent history: the empirical
 * rank inside the window, and beyond the k-th largest value an exponential tail fitted to the top
 * k (mean excess). O(window) memory; a statistic is scored before it joins the history.
 */
export class TailCalibrator {
  private readonly win: SortedWindow;
  private n = 0;

  constructor(
    window: number,
    private readonly k: number,
    private readonly warmup: number,
  ) {
    this.win = new SortedWindow(window, true);
  }

  /** Tail probability of `stat` (1 while warming up); `rank` = how many window values are below it. */
  pValue(stat: number, rank = this.win.rank(stat)): number {
    const w = this.win;
    const m = w.size;
    // Too little history for a credible tail: say nothing rather than something extreme.
    if (this.n < this.warmup || m < 10 * this.k || !(stat > 0)) return 1;
    const u = w.nthLargest(this.k);
    if (stat <= u) {
      return (m - rank) / m;
    }
    const beta = w.meanTop(this.k) - u;
    if (!(beta > 0)) return 0;
    return (this.k / m) * Math.exp(-(stat - u) / beta);
  }

  update(value: number): number {
    const stat = Math.fround(value); // compare at the window's (float32) precision
    if (Number.isNaN(stat)) {
      this.n++;
      return 1;
    }
    const rank = this.win.rank(stat); // one binary search serves the p-value and the insert
    const p = this.pValue(stat, rank);
    this.n++;
    if (this.n > this.warmup && Number.isFinite(stat)) this.win.push(stat, rank);
    return p;
  }

  stateSize(): number {
    return 2 * this.win.capacity;
  }
}
