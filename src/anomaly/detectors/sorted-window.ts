/**
 * A fixed-capacity sliding window kept both in arrival order (ring) and in sorted order, so the
 * median, quantiles and MAD are cheap. Insert/evict are a binary search plus one memmove: O(w).
 */
export class SortedWindow {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private head = 0;
  private n = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 3) {
      throw new RangeError(`SortedWindow capacity must be an integer >= 3 (got ${capacity})`);
    }
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  push(x: number): void {
    if (this.n === this.capacity) this.removeSorted(this.ring[this.head]);
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
    this.insertSorted(x);
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

  /** Median absolute deviation around `center`, by walking outwards from it in sorted order. */
  mad(center: number): number {
    const n = this.n;
    if (n === 0) return NaN;
    const s = this.sorted;
    let hi = this.lowerBound(center);
    let lo = hi - 1;
    const k = (n - 1) >> 1; // index of the (lower) median of the deviations
    let d = 0;
    for (let i = 0; i <= k; i++) {
      const dl = lo >= 0 ? center - s[lo] : Infinity;
      const dh = hi < n ? s[hi] - center : Infinity;
      if (dl <= dh) {
        d = dl;
        lo--;
      } else {
        d = dh;
        hi++;
      }
    }
    return d;
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

  /** Fraction of window values strictly below x and equal to x (for empirical tail probabilities). */
  rank(x: number): { below: number; equal: number } {
    const a = this.lowerBound(x);
    let b = a;
    while (b < this.n && this.sorted[b] === x) b++;
    return { below: a, equal: b - a };
  }

  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSorted(x: number): void {
    const i = this.lowerBound(x);
    this.sorted.copyWithin(i + 1, i, this.n);
    this.sorted[i] = x;
    this.n++;
  }

  private removeSorted(x: number): void {
    const i = this.lowerBound(x);
    this.sorted.copyWithin(i, i + 1, this.n);
    this.n--;
  }
}
