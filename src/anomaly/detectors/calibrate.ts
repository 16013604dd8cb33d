import { LargestValues } from './largest-values';
import { SortedWindow } from './sorted-window';

/**
 * Calibrates a statistic as a tail probability against its own recent history: the empirical
 * rank inside the window, and beyond the k-th largest value an exponential tail fitted to the top
 * k (mean excess). O(window) memory; a statistic is scored before it joins the history.
 *
 * A caller that needs a p-value only when it is small (a score, not an explanation) says so, and
 * then only the window's largest values are kept sorted (LargestValues: most points cost a
 * comparison). The first exact p-value asked for sorts the whole window (SortedWindow) and keeps
 * it so from then on. The p-values that are given exactly are the same either way.
 */
export class TailCalibrator {
  /** The window, of which only the largest values are sorted, until an exact p-value is asked for. */
  private largest: LargestValues | null;
  /** The window, all sorted. */
  private sorted: SortedWindow | null = null;
  private n = 0;

  /**
   * `smallP`: the largest p-value that `update(value, exactBelow)` gives exactly for any
   * `exactBelow` (a larger one may come back as 1); it sets how many of the largest values are held.
   */
  constructor(
    window: number,
    private readonly k: number,
    private readonly warmup: number,
    smallP = 0.2,
  ) {
    this.largest = new LargestValues(window, Math.min(window, Math.ceil(smallP * window) + k));
  }

  /**
   * Tail probability of `value` (1 while warming up), then learns it. Exact when it is below
   * `exactBelow` (no more than the constructor's `smallP`; 1, the default, means always); a larger
   * p-value may come back as 1.
   */
  update(value: number, exactBelow = 1): number {
    const stat = Math.fround(value); // compare at the window's (float32) precision
    if (Number.isNaN(stat)) {
      this.n++;
      return 1;
    }
    if (this.largest && exactBelow >= 1) {
      this.sorted = this.largest.toSortedWindow();
      this.largest = null;
    }
    const learn = this.n + 1 > this.warmup && Number.isFinite(stat);
    let p: number;
    if (this.sorted) {
      const rank = this.sorted.rank(stat); // one binary search serves the p-value and the insert
      p = this.pValue(stat, this.sorted, this.sorted.size - rank);
      if (learn) this.sorted.push(stat, rank);
    } else {
      const history = this.largest as LargestValues;
      p = this.pValue(stat, history, -2);
      if (learn) history.push(stat);
    }
    this.n++;
    return p;
  }

  stateSize(): number {
    return (this.sorted ?? this.largest)?.stateSize() ?? 0;
  }

  /**
   * The p-value from the history before `stat` joins it; `atLeast` = how many values are >= stat
   * (-2: ask the history; -1: unknown, but too many for a small p-value).
   */
  private pValue(stat: number, w: LargestValues | SortedWindow, atLeast: number): number {
    const m = w.size;
    // Too little history for a credible tail: say nothing rather than something extreme.
    if (this.n < this.warmup || m < 10 * this.k || !(stat > 0)) return 1;
    const u = w.nthLargest(this.k);
    if (stat <= u) {
      const count = atLeast === -2 ? w.countAtLeast(stat) : atLeast;
      return count < 0 ? 1 : count / m;
    }
    const beta = w.meanTop(this.k) - u;
    if (!(beta > 0)) return 0;
    return (this.k / m) * Math.exp(-(stat - u) / beta);
  }
}
