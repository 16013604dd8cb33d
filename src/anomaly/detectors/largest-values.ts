import { lowerBound, SortedWindow } from './sorted-window';

/** Held values go from `keep` to `MOST * keep`; a trim or refill leaves `AFTER * keep` (and ties). */
const MOST = 2;
const AFTER = 1.5;

/**
 * A sliding window of float32 values (a ring, in arrival order) that keeps only its largest values
 * sorted: every value at or above a floor, from `keep` to `2 * keep` of them. A value joins
 * or leaves that list only when it is among them, so most points cost a comparison, not a binary
 * search and a long memmove. It counts exactly how many values are >= x whenever x is at or above
 * the floor; below it, only that there are at least `keep` (enough for a p-value that is only
 * needed when small).
 */
export class LargestValues {
  private readonly ring: Float32Array;
  private head = 0;
  private count = 0;
  /**
   * The values >= floor, ascending. Room for the whole window (ties can hold it all) and one more:
   * a new value goes in before the oldest leaves.
   */
  private readonly sorted: Float32Array;
  private n = 0;
  /** Every window value >= floor is in `sorted` (-Infinity: every value is). */
  private floor = -Infinity;
  /** How many a trim or refill leaves. */
  private readonly after: number;

  constructor(
    readonly capacity: number,
    /** How many of the largest values are always held (all of them while the window has fewer). */
    private readonly keep: number,
  ) {
    this.after = Math.ceil(AFTER * keep);
    this.ring = new Float32Array(capacity);
    this.sorted = new Float32Array(capacity + 1);
  }

  get size(): number {
    return this.count;
  }

  /** How many window values are >= x; -1 when x is below the floor (then at least `keep`). */
  countAtLeast(x: number): number {
    return x >= this.floor ? this.n - this.lowerBound(x, this.n) : -1;
  }

  /** The k-th largest value (k <= keep and k <= size). */
  nthLargest(k: number): number {
    return this.sorted[this.n - k];
  }

  /** Mean of the k largest values (k <= keep and k <= size), added smallest first. */
  meanTop(k: number): number {
    let s = 0;
    for (let i = this.n - k; i < this.n; i++) s += this.sorted[i];
    return s / k;
  }

  /** Adds a (float32) value, evicting the oldest when full. */
  push(x: number): void {
    if (x >= this.floor) this.insert(x);
    const old = this.ring[this.head];
    const evict = this.count === this.capacity;
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (!evict) this.count++;
    else if (old >= this.floor) this.remove(old);
  }

  /** The same window with every value sorted (oldest pushed first, so it evicts in the same order). */
  toSortedWindow(): SortedWindow {
    const whole = new SortedWindow(this.capacity, true);
    const oldest = this.count === this.capacity ? this.head : 0;
    for (let i = 0; i < this.count; i++) whole.push(this.ring[(oldest + i) % this.capacity]);
    return whole;
  }

  stateSize(): number {
    return 2 * this.capacity;
  }

  private insert(x: number): void {
    const i = this.lowerBound(x, this.n);
    this.sorted.copyWithin(i + 1, i, this.n);
    this.sorted[i] = x;
    this.n++;
    if (this.n > MOST * this.keep) this.raiseFloor();
  }

  private remove(x: number): void {
    const i = this.lowerBound(x, this.n);
    this.sorted.copyWithin(i, i + 1, this.n);
    this.n--;
    if (this.n < this.keep && this.count > this.n) this.refill();
  }

  /** Too many held: keep the `after` largest (and their ties). */
  private raiseFloor(): void {
    this.floor = this.sorted[this.n - this.after];
    const drop = this.lowerBound(this.floor, this.n);
    this.sorted.copyWithin(0, drop, this.n);
    this.n -= drop;
  }

  /**
   * Too few held: take the `after` largest of the window again (and their ties). A selection finds
   * the new floor (sorting the whole window would cost ten times more); only what is held is sorted.
   */
  private refill(): void {
    const count = this.count;
    let floor = -Infinity;
    if (count > this.after) {
      const scratch = this.sorted.subarray(0, count);
      scratch.set(this.ring.subarray(0, count));
      floor = kthSmallest(scratch, count - this.after);
    }
    let n = 0;
    for (let i = 0; i < count; i++) if (this.ring[i] >= floor) this.sorted[n++] = this.ring[i];
    this.sorted.subarray(0, n).sort();
    this.floor = floor;
    this.n = n;
  }

  /** First index below `n` whose value is >= x. */
  private lowerBound(x: number, n: number): number {
    return lowerBound(this.sorted, x, n);
  }
}

/** The k-th smallest (from 0) of `a`, reordering it: quickselect (Hoare partitions), O(length) on average. */
function kthSmallest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}
