/** One detector family inside the ensemble: scores a point before learning it. */
export interface Component {
  readonly name: string;
  /**
   * Feed the next finite value; returns how far it is from what the component expected, as a
   * non-negative statistic (0 = as expected; units are the component's own). Learns the value
   * after scoring it, so the statistic for t uses only points before t.
   */
  update(timestampMs: number, value: number): number;
  /** Expected value and robust spread as of the last update (NaN while warming up). */
  readonly center: number;
  readonly spread: number;
  /** A short description of the last statistic, for explanations. */
  describe(): string;
  /** Numbers held in buffers (bounded, for memory checks). */
  stateSize(): number;
}

/** Spread floor so constant or heavily quantised series don't divide by zero. */
export function spreadFloor(center: number, range: number): number {
  return Math.max(0.02 * range, 1e-9 * Math.abs(center), 1e-12);
}
