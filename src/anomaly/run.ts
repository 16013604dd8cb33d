/**
 * One way to score a series: the learned channel scores a chunk of points (one ONNX call), then
 * the detector takes the chunk point by point with those scores. Chunks must come in time order.
 */
import type { LearnedChannel } from './learned';
import type { Detection, StreamDetector } from './types';

/** Scores the next points of one series; `values[i]` NaN (or a NaN timestamp) is skipped with score 0. */
export async function scoreChunk(
  detector: StreamDetector,
  learned: LearnedChannel | undefined,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
): Promise<Detection[]> {
  const usable = new Float64Array(values.length);
  for (let i = 0; i < usable.length; i++) usable[i] = Number.isFinite(timestamps[i]) ? values[i] : NaN;
  const scores = learned ? await learned.score(usable) : undefined;
  const out: Detection[] = new Array<Detection>(usable.length);
  for (let i = 0; i < usable.length; i++) out[i] = detector.update(timestamps[i], usable[i], scores ? scores[i] : NaN);
  return out;
}
