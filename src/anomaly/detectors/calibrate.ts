import { SortedWindow } from './sorted-window';

/**
 * Turns a component's raw statistic into a [0,1] surprise that is comparable across series:
 * the statistic relative to its own running maxima (records that decay slowly, one with a short and
 * one with a long memory, combined geometrically), so "as extreme as anything seen lately" scores
 * 0.5 whatever the series' scale or tails. O(1) memory.
 */
export class RecordRatio {
  private max = 0;
  private maxLong = 0;
  private n = 0;

  constructor(
    private readonly decay: number,
    private readonly warmup: number,
    private readonly sharpness: number,
    private readonly longDecay: number,
    private readonly longWeight: number,
  ) {}

  update(stat: number): number {
    let s = 0;
    if (this.n >= this.warmup && stat > 0) {
      const w = this.longWeight;
      const r = this.max > 0 ? Math.pow(stat / this.max, 1 - w) * Math.pow(stat / this.maxLong, w) : Infinity;
      s = r === Infinity ? 1 : 1 / (1 + Math.pow(r, -this.sharpness));
    }
    this.n++;
    // Records start after warm-up, so immature models' early statistics don't linger in them.
    if (this.n <= this.warmup || !Number.isFinite(stat)) return s;
    this.max = Math.max(this.max * this.decay, stat);
    this.maxLong = Math.max(this.maxLong * this.longDecay, stat);
    return s;
  }
}

/**
 * Calibrates a statistic as a tail probability against its own recent history: the empirical
 * rank inside the window, and beyond the k-th largest value an exponential tail fitted to the top
 * k (mean excess). Returns the surprise log10(1/p) / depth, clipped to [0, 1]. O(window) memory.
 */
export class TailCalibrator {
  private readonly win: SortedWindow;
  private n = 0;
  private blockMax = -Infinity;
  static logStat = false;
  private inBlock = 0;

  constructor(
    window: number,
    private readonly k: number,
    private readonly warmup: number,
    private readonly depth: number,
    private readonly block: number,
  ) {
    this.win = new SortedWindow(window);
  }

  /** Tail probability of `stat` (1 while warming up). */
  pValue(stat: number): number {
    const w = this.win;
    const m = w.size;
    if (this.n < this.warmup || m < 2 * this.k || !(stat > 0)) return 1;
    const u = w.nthLargest(this.k);
    if (stat <= u) {
      const { below } = w.rank(stat);
      return (m - below) / m;
    }
    const beta = w.meanTop(this.k) - u;
    if (!(beta > 0)) return 0;
    return (this.k / m) * Math.exp(-(stat - u) / beta);
  }

  update(raw: number): number {
    const stat = TailCalibrator.logStat ? Math.log1p(raw) : raw;
    const p = this.pValue(stat);
    this.n++;
    if (this.n > this.warmup && Number.isFinite(stat)) {
      this.blockMax = Math.max(this.blockMax, stat);
      if (++this.inBlock >= this.block) {
        this.win.push(this.blockMax);
        this.blockMax = -Infinity;
        this.inBlock = 0;
      }
    }
    return p;
  }

  surprise(p: number): number {
    return p <= 0 ? 1 : Math.min(1, Math.max(0, -Math.log10(p) / this.depth));
  }

  stateSize(): number {
    return 2 * this.win.capacity;
  }
}
