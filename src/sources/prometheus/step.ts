import { AppError } from '../../errors';

/** The auto step never goes below this: a common scrape interval; finer steps only interpolate. */
export const MIN_STEP_MS = 15_000;
/** Prometheus refuses a range query with more points per series than this. */
export const MAX_POINTS = 11_000;
/** The auto step keeps a window at or under this many points (and at or over 400 above the floor). */
export const TARGET_POINTS = 1_000;

/** Round steps, each at most 2.5× the one before, so a window gets 400–1,000 points. */
const NICE_STEPS_MS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map(
  (s) => s * 1000,
);
const DAY_MS = 86_400_000;

/** The step for a window: the smallest round step giving at most TARGET_POINTS, never below MIN_STEP_MS. */
export function chooseStepMs(windowMs: number): number {
  const raw = windowMs / TARGET_POINTS;
  return NICE_STEPS_MS.find((s) => s >= raw) ?? Math.ceil(raw / DAY_MS) * DAY_MS;
}

export interface EvaluationGrid {
  stepMs: number;
  /** First and last evaluation times: multiples of the step inside [startMs, endMs]. */
  firstMs: number;
  lastMs: number;
  points: number;
}

/**
 * Where Prometheus evaluates: on multiples of the step inside the range, like the other sources,
 * so refreshing a window gives the same timestamps. A range shorter than a step that holds no
 * multiple of it is evaluated once, at endMs.
 */
export function evaluationGrid(startMs: number, endMs: number, requestedStepMs?: number): EvaluationGrid {
  const stepMs = requestedStepMs ?? chooseStepMs(endMs - startMs);
  const firstMs = Math.ceil(startMs / stepMs) * stepMs;
  const lastMs = Math.floor(endMs / stepMs) * stepMs;
  if (lastMs < firstMs) return { stepMs, firstMs: endMs, lastMs: endMs, points: 1 };
  const points = Math.round((lastMs - firstMs) / stepMs) + 1;
  if (points > MAX_POINTS) {
    throw new AppError(
      'bad_request',
      `The range holds ${points} points at a ${stepMs} ms step; ` +
        `Prometheus allows at most ${MAX_POINTS} per series. Use a shorter range or a larger stepMs.`,
    );
  }
  return { stepMs, firstMs, lastMs, points };
}
