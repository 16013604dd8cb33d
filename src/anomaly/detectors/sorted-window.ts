/**
 * A fixed-capacity sliding window kept both in arrival order (ring) and in sorted order, so the
 * median, quantiles and MAD are cheap. Insert/evict are a binary search plus one memmove: O(w).
 */
export class SortedWindow {
  private readonly ring: Float64Array | Float32Array;
  private readonly sorted: Float64Array | Float32Array;
  private head = 0;
  private n = 0;

  /** `single` stores float32 (half the memory traffic; enough for calibration statistics). */
  constructor(
    readonly capacity: number,
    private readonly single = false,
  ) {
    if (!Number.isInteger(capacity) || capacity < 3) {
      throw new RangeError(`SortedWindow capacity must be an integer >= 3 (got ${capacity})`);
    }
    this.ring = single ? new Float32Array(capacity) : new Float64Array(capacity);
    this.sorted = single ? new Float32Array(capacity) : new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** Adds a value, evicting the oldest when full. `rank` = lowerBound(value) when the caller has it. */
  push(value: number, rank?: number): void {
    const x = this.single ? Math.fround(value) : value;
    const j = rank ?? this.lowerBound(x);
    if (this.n === this.capacity) this.replaceSorted(this.ring[this.head], x, j);
    else this.insertSorted(x, j);
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
  }

  /** The q-quantile (0..1) by linear interpolation; NaN when empty. */
  quantile(q: number): number {
    const n = this.n;
    if (n === 0) return NaN;
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    const f = pos - lo;
    return this.sorted[lo] * (1 - f) + this.sorted[hi] * f;
  }

  median(): number {
    return this.quantile(0.5);
  }

  /**
   * Median absolute deviation around `center` (the lower median of |x - center|), in O(log w):
   * the deviations left and right of `center` are two sorted runs; select the k-th of their merge.
   */
  mad(center: number): number {
    const n = this.n;
    if (n === 0) return NaN;
    const s = this.sorted;
    const h0 = this.lowerBound(center);
    const nL = h0;
    const nR = n - h0;
    const take = ((n - 1) >> 1) + 1; // how many of the smallest deviations, the last is the MAD
    let lo = Math.max(0, take - nR);
    let hi = Math.min(take, nL);
    while (lo < hi) {
      const i = (lo + hi) >> 1; // deviations taken from the left run
      const j = take - i;
      if (center - s[h0 - 1 - i] < s[h0 + j - 1] - center) lo = i + 1;
      else hi = i;
    }
    const j = take - lo;
    const left = lo > 0 ? center - s[h0 - lo] : -Infinity;
    const right = j > 0 ? s[h0 + j - 1] - center : -Infinity;
    return Math.max(left, right);
  }

  /** The k-th largest value (k >= 1). */
  nthLargest(k: number): number {
    return this.sorted[Math.max(0, this.n - k)];
  }

  /** Mean of the k largest values. */
  meanTop(k: number): number {
    let s = 0;
    const from = Math.max(0, this.n - k);
    for (let i = from; i < this.n; i++) s += this.sorted[i];
    return s / (this.n - from);
  }

  /** Numbers held (ring and sorted copy). */
  stateSize(): number {
    return 2 * this.capacity;
  }

  /** How many window values are >= x. */
  countAtLeast(x: number): number {
    return this.n - this.lowerBound(x);
  }

  /** How many window values are < x (the index x would be inserted at). */
  rank(x: number): number {
    return this.lowerBound(x);
  }

  /**
   * First index whose value is >= x. Written without a data-dependent branch (a conditional move):
   * ~2x faster on random probes.
   */
  private lowerBound(x: number): number {
    return lowerBound(this.sorted, x, this.n);
  }

  private insertSorted(x: number, i: number): void {
    this.sorted.copyWithin(i + 1, i, this.n);
    this.sorted[i] = x;
    this.n++;
  }

  /** Evict `old` and insert `x` with one memmove over the span between their positions. */
  private replaceSorted(old: number, x: number, j: number): void {
    const s = this.sorted;
    const i = this.lowerBound(old);
    if (j > i) {
      s.copyWithin(i, i + 1, j);
      s[j - 1] = x;
    } else {
      s.copyWithin(j + 1, j, i);
      s[j] = x;
    }
  }
}

/** First index below `n` of ascending `s` whose value is >= x (branch-free binary search). */
export function lowerBound(s: Float64Array | Float32Array, x: number, n: number): number {
  let len = n;
  if (len === 0) return 0;
  let base = 0;
  while (len > 1) {
    const half = len >> 1;
    base = s[base + half - 1] < x ? base + half : base;
    len -= half;
  }
  return s[base] < x ? base + 1 : base;
}
