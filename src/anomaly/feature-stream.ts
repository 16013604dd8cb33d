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
    const at = this.insertionIndex(x);
    for (let i = this.n; i > at; i--) this.a[i] = this.a[i - 1];
    this.a[at] = x;
    this.n++;
  }

  /** Removes one copy of x, which must be held. */
  remove(x: number): void {
    const at = this.removalIndex(x);
    this.n--;
    for (let i = at; i < this.n; i++) this.a[i] = this.a[i + 1];
  }

  /**
   * remove(old) then insert(x) in one shift over the values between the two places (a sliding
   * window's step). The values end up exactly where the two calls would put them.
   */
  replace(old: number, x: number): void {
    const from = this.removalIndex(old);
    const to = this.insertionIndex(x); // counts `old` when x goes after it
    if (to > from) {
      for (let i = from; i < to - 1; i++) this.a[i] = this.a[i + 1];
      this.a[to - 1] = x;
    } else {
      for (let i = from; i > to; i--) this.a[i] = this.a[i - 1];
      this.a[to] = x;
    }
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

  /** Where insert(x) puts x: after its equals, but −0 before every zero (as a sorted Float64Array). */
  private insertionIndex(x: number): number {
    return isNegativeZero(x) ? this.lowerBound(x) : this.upperBound(x);
  }

  /** Where remove(x) takes x from: a +0 is the last zero, anything else the first of its equals. */
  private removalIndex(x: number): number {
    return x === 0 && !isNegativeZero(x) ? this.upperBound(x) - 1 : this.lowerBound(x);
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

/**
 * Where the first maximum (or minimum) of a sliding window sits, in O(1) amortised per point: a
 * queue of the points that can still become the extreme (each beats every later point), oldest
 * first, so its head is the extreme. Ties keep the older point, as a left-to-right scan with a
 * strict comparison does.
 */
export class SlidingExtreme {
  /** Positions (points pushed before them) and values of the candidates, in a ring. */
  private readonly at: Float64Array;
  private readonly values: Float64Array;
  private first = 0;
  private length = 0;

  /** `max` for the maximum, else the minimum; `capacity` = the largest window. */
  constructor(
    capacity: number,
    private readonly max: boolean,
  ) {
    this.at = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Adds the point at `position`; the window is now the points from `oldest` on. */
  push(position: number, value: number, oldest: number): void {
    const cap = this.at.length;
    while (this.length > 0 && this.at[this.first] < oldest) {
      this.first = (this.first + 1) % cap;
      this.length--;
    }
    // Candidates the new point beats can never be the extreme again.
    while (this.length > 0 && this.beats(value, this.values[(this.first + this.length - 1) % cap])) this.length--;
    const slot = (this.first + this.length) % cap;
    this.at[slot] = position;
    this.values[slot] = value;
    this.length++;
  }

  /** Position of the window's extreme (the oldest of equal ones). */
  get position(): number {
    return this.at[this.first];
  }

  clear(): void {
    this.first = 0;
    this.length = 0;
  }

  private beats(a: number, b: number): boolean {
    return this.max ? a > b : a < b;
  }
}
