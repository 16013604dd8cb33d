/**
 * Order statistics for FeatureWindow without sorting per point: the window's baseline (and its
 * lag-1 steps) are kept sorted as points come and go, so the medians, MADs and rank of a new point
 * cost binary searches and short shifts instead of four sorts. Values are held exactly as a sorted
 * Float64Array holds them (−0 before +0), so every statistic equals the sorting reference's bit for bit.
 */
export class SortedValues {
  private readonly a: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.a = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  insert(x: number): void {
    const at = isNegativeZero(x) ? this.lowerBound(x) : this.upperBound(x);
    for (let i = this.n; i > at; i--) this.a[i] = this.a[i - 1];
    this.a[at] = x;
    this.n++;
  }

  /** Removes one copy of x, which must be held. */
  remove(x: number): void {
    const at = x === 0 && !isNegativeZero(x) ? this.upperBound(x) - 1 : this.lowerBound(x);
    this.n--;
    for (let i = at; i < this.n; i++) this.a[i] = this.a[i + 1];
  }

  median(): number {
    const mid = this.n >> 1;
    return this.n % 2 ? this.a[mid] : (this.a[mid - 1] + this.a[mid]) / 2;
  }

  /** Median of |value - centre|, for the median as centre. */
  medianDeviation(centre: number): number {
    const mid = this.n >> 1;
    return this.n % 2
      ? this.kthDeviation(centre, mid)
      : (this.kthDeviation(centre, mid - 1) + this.kthDeviation(centre, mid)) / 2;
  }

  /**
   * The k-th smallest |value - centre| (from 0), centre within the values: the k + 1 values nearest
   * the centre are a run of the sorted list, so a binary search for where the run starts finds it.
   */
  private kthDeviation(centre: number, k: number): number {
    const a = this.a;
    const run = k + 1;
    let lo = 0;
    let hi = this.n - run;
    while (lo < hi) {
      const start = (lo + hi) >> 1;
      if (centre - a[start] > a[start + run] - centre) lo = start + 1;
      else hi = start;
    }
    return Math.max(Math.abs(a[lo] - centre), Math.abs(a[lo + k] - centre));
  }

  /** Sum of |value - centre|, added in ascending value order as the reference adds it. */
  absDeviationSum(centre: number): number {
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += Math.abs(this.a[i] - centre);
    return sum;
  }

  /** Values below x. */
  countBelow(x: number): number {
    return this.lowerBound(x);
  }

  /** Values equal to x (−0 and +0 alike). */
  countEqual(x: number): number {
    return this.upperBound(x) - this.lowerBound(x);
  }

  /** First index whose value is >= x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.a[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose value is > x. */
  private upperBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.a[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function isNegativeZero(x: number): boolean {
  return x === 0 && 1 / x < 0;
}
