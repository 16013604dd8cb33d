/**
 * The anomaly-detection port. Detectors are streaming: the score at time t uses only the points
 * up to t, and memory per series is bounded by the detector's window, not by the history.
 */
export interface Detection {
  /** 0 (normal) .. 1 (certainly anomalous). */
  score: number;
  /** The band the detector that drove the score expected the value in, when it has one yet. */
  expected?: { low: number; high: number };
  /**
   * The band recent history puts the value in (hull of the sliding median and Holt forecast
   * bands), once one is ready: the same models whatever drove the score, so it moves smoothly
   * from point to point. Explanations and charts draw this one (see anomaly/explain).
   */
  band?: { low: number; high: number };
  /** Which detector family drove the score (e.g. 'robust-z', 'seasonal', 'forecast', 'iforest'). */
  detector: string;
  /** One short human sentence, e.g. "p99 3.4x above the 1h median". */
  reason?: string;
}

export interface StreamDetector {
  /**
   * Feed the next point (in time order) and get its score. NaN values give score 0 and are skipped.
   * `learned` is the learned model's score of this point when the caller has one (see anomaly/learned).
   */
  update(timestampMs: number, value: number, learned?: number): Detection;
  /**
   * The same step as `update`, returning only its score (no explanation built): for callers that
   * write scores alone, such as `detect`. Detectors without it are read through `update`.
   */
  score?(timestampMs: number, value: number, learned?: number): number;
}
