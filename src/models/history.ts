/**
 * The training history of a service: each golden signal on one fixed step grid, checked before a
 * model is trained on it, and a sha256 over its canonical bytes so the same data gives the same hash
 * (what a model version records, and what `reproduce` compares).
 *
 * The grid of a window is the steps fromMs + k * stepMs for k = 1..N, i.e. (fromMs, toMs], with
 * toMs a multiple of stepMs: a CSV source averages the rows of (T - step, T] into the point at T,
 * so every row of the window lands in exactly one step.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { GOLDEN_SIGNALS, type MetricsSource, type Signal } from '../sources/types';

export const DEFAULT_TRAINING_WINDOW_S = 7 * 86_400;
export const MIN_TRAINING_WINDOW_S = 3_600;
export const MAX_TRAINING_WINDOW_S = 30 * 86_400;
export const DEFAULT_TRAINING_STEP_MS = 60_000;
/** Steps a history may hold (the demo fleet's query limit is 50,000). */
export const MAX_GRID_POINTS = 50_000;
/** A signal may miss at most this share of its grid's steps. */
export const MAX_MISSING_SHARE = 0.2;

export interface HistoryWindow {
  /** Exclusive start of the grid (ms). */
  fromMs: number;
  /** Inclusive end of the grid (ms), a multiple of stepMs. */
  toMs: number;
  stepMs: number;
}

export interface SignalHistory {
  signal: Signal;
  unit: string;
  /** One value per grid step, oldest first; NaN where the source had no data. */
  values: Float64Array;
  /** Steps with a value. */
  points: number;
}

export interface History {
  service: string;
  window: HistoryWindow;
  /** In GOLDEN_SIGNALS order. */
  signals: SignalHistory[];
  /** Signals the source has no data for at all in the window (left out of `signals`). */
  missing: Signal[];
}

export interface HistoryRequest {
  service: string;
  /** Length of the window in seconds (default 7 days), MIN_TRAINING_WINDOW_S..MAX_TRAINING_WINDOW_S. */
  windowS?: number;
  /** End of the window (ms); rounded down to the step. */
  toMs: number;
  stepMs?: number;
  /** Signals to fetch (default every golden signal the source has data for). */
  signals?: readonly Signal[];
}

/** Checks the request and returns its grid; throws AppError('bad_request') naming the fix. */
export function historyWindow(req: Omit<HistoryRequest, 'service' | 'signals'>): HistoryWindow {
  const windowS = req.windowS ?? DEFAULT_TRAINING_WINDOW_S;
  const stepMs = req.stepMs ?? DEFAULT_TRAINING_STEP_MS;
  if (!Number.isInteger(windowS) || windowS < MIN_TRAINING_WINDOW_S || windowS > MAX_TRAINING_WINDOW_S) {
    throw new AppError(
      'bad_request',
      `the training window must be a whole number of seconds from ${MIN_TRAINING_WINDOW_S} (1 hour) to ` +
        `${MAX_TRAINING_WINDOW_S} (30 days), got ${String(windowS)}; e.g. 7d for the last week`,
    );
  }
  if (!Number.isInteger(stepMs) || stepMs < 1_000 || stepMs > 3_600_000 || stepMs % 1_000 !== 0) {
    throw new AppError(
      'bad_request',
      `the training step must be whole seconds from 1 s to 1 h, got ${String(stepMs)} ms`,
    );
  }
  const steps = Math.floor((windowS * 1000) / stepMs);
  if (steps > MAX_GRID_POINTS) {
    throw new AppError(
      'bad_request',
      `a ${windowS} s window at a ${stepMs / 1000} s step holds ${steps} steps, more than ${MAX_GRID_POINTS}; ` +
        'use a shorter window or a coarser step',
    );
  }
  if (!Number.isFinite(req.toMs)) throw new AppError('bad_request', `the window end must be a time, got ${req.toMs}`);
  const toMs = Math.floor(req.toMs / stepMs) * stepMs;
  return { fromMs: toMs - steps * stepMs, toMs, stepMs };
}

/** Fetches every requested signal onto the grid. Signals the source has nothing for go to `missing`. */
export async function fetchHistory(source: MetricsSource, req: HistoryRequest, signal?: AbortSignal): Promise<History> {
  const window = historyWindow(req);
  const wanted = req.signals ?? GOLDEN_SIGNALS;
  const unknown = wanted.find((s) => !(GOLDEN_SIGNALS as readonly string[]).includes(s));
  if (unknown !== undefined)
    throw new AppError('bad_request', `unknown signal “${unknown}”; expected some of ${GOLDEN_SIGNALS.join(', ')}`);
  const signals: SignalHistory[] = [];
  const missing: Signal[] = [];
  for (const sig of GOLDEN_SIGNALS.filter((s) => wanted.includes(s))) {
    if (signal?.aborted) throw new AppError('job_cancelled', 'cancelled');
    const series = await source
      .query({ service: req.service, signal: sig, startMs: window.fromMs, endMs: window.toMs, stepMs: window.stepMs })
      .catch((err: unknown) => {
        // An unknown service is not_found too: only "no data for this signal" is left out.
        if (err instanceof AppError && err.code === 'not_found' && !/unknown service/i.test(err.message)) {
          return undefined;
        }
        throw err;
      });
    if (!series) {
      missing.push(sig);
      continue;
    }
    signals.push({ signal: sig, unit: series.unit, ...onGrid(series.points, window) });
  }
  if (req.signals && missing.length)
    throw new AppError(
      'bad_request',
      `no data for ${req.service} ${missing.join(', ')} in the training window ${describe(window)}`,
    );
  if (!signals.length)
    throw new AppError(
      'bad_request',
      `no data for any golden signal of ${req.service} in the training window ${describe(window)}`,
    );
  return { service: req.service, window, signals, missing };
}

function onGrid(points: ReadonlyArray<[number, number]>, w: HistoryWindow): { values: Float64Array; points: number } {
  const values = new Float64Array(Math.round((w.toMs - w.fromMs) / w.stepMs)).fill(NaN);
  for (const [t, v] of points) {
    // Off-grid timestamps (a source with its own alignment) go to the nearest step.
    const k = Math.round((t - w.fromMs) / w.stepMs) - 1;
    if (k >= 0 && k < values.length && Number.isFinite(v)) values[k] = v;
  }
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) n++;
  return { values, points: n };
}

export interface HistoryLimits {
  /** Fewest points (steps with data) a signal needs. */
  minPoints: number;
  /** Largest share of the grid that may be missing (default MAX_MISSING_SHARE). */
  maxMissingShare?: number;
}

/**
 * Refuses a history a model should not be trained on, naming the signal and the fix: too few
 * points, too many missing steps, or a constant series (nothing for a forest to learn).
 */
export function checkHistory(history: History, limits: HistoryLimits): void {
  const { service, window } = history;
  const maxMissing = limits.maxMissingShare ?? MAX_MISSING_SHARE;
  const step = `${window.stepMs / 1000} s`;
  for (const s of history.signals) {
    const steps = s.values.length;
    const what = `${service} ${s.signal}`;
    if (s.points < limits.minPoints) {
      throw new AppError(
        'bad_request',
        `too little data to train on: ${what} has ${s.points} point(s) at a ${step} step in ${describe(window)}, ` +
          `training needs at least ${limits.minPoints}; use a longer window ` +
          `(at least ${Math.ceil((limits.minPoints * window.stepMs) / 3_600_000)} h)`,
      );
    }
    const missingShare = (steps - s.points) / steps;
    if (missingShare > maxMissing) {
      throw new AppError(
        'bad_request',
        `too many gaps to train on: ${what} has no data for ${pct(missingShare)} of the ${steps} ${step} steps ` +
          `in ${describe(window)} (at most ${pct(maxMissing)} may be missing); ` +
          'train on a window the source covers, fill the gaps, or use a coarser step',
      );
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of s.values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min === max) {
      const others = history.signals.filter((o) => o !== s).map((o) => o.signal);
      throw new AppError(
        'bad_request',
        `${what} is constant (${min}) over ${describe(window)}: a model cannot learn what is normal from a flat ` +
          'line; train on a window where it varies' +
          (others.length ? `, or leave it out (signals: ${others.join(', ')})` : ''),
      );
    }
  }
}

const MAGIC = 'smartcloudops/history/v1';

/**
 * sha256 (hex) over the canonical bytes of a history: MAGIC, NUL, the service (UTF-8), NUL, then
 * fromMs, toMs, stepMs as float64 little-endian; then per signal in GOLDEN_SIGNALS order: its name
 * (UTF-8), NUL, the point count as uint32 LE, and each point with data as float64 LE timestamp
 * and float64 LE value, oldest first.
 */
export function historySha256(history: History): string {
  const hash = createHash('sha256');
  hash.update(`${MAGIC}\0${history.service}\0`, 'utf8');
  const head = Buffer.alloc(24);
  head.writeDoubleLE(history.window.fromMs, 0);
  head.writeDoubleLE(history.window.toMs, 8);
  head.writeDoubleLE(history.window.stepMs, 16);
  hash.update(head);
  const { fromMs, stepMs } = history.window;
  for (const s of history.signals) {
    hash.update(`${s.signal}\0`, 'utf8');
    const buf = Buffer.alloc(4 + s.points * 16);
    buf.writeUInt32LE(s.points, 0);
    let at = 4;
    s.values.forEach((v, k) => {
      if (Number.isNaN(v)) return;
      buf.writeDoubleLE(fromMs + (k + 1) * stepMs, at);
      buf.writeDoubleLE(v, at + 8);
      at += 16;
    });
    hash.update(buf);
  }
  return hash.digest('hex');
}

function describe(w: HistoryWindow): string {
  return `${new Date(w.fromMs).toISOString()} .. ${new Date(w.toMs).toISOString()}`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
