/**
 * One way to score a series: the learned channel scores a chunk of points (one ONNX call), then
 * the detector takes the chunk point by point with those scores. Chunks must come in time order.
 */
import type { LearnedChannel } from './learned';
import type { Detection, StreamDetector } from './types';

/** The chunk's values with those at unusable timestamps made NaN, and their learned scores (or none). */
async function prepare(
  learned: LearnedChannel | undefined,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
): Promise<{ usable: Float64Array; learnedScores: Float64Array | undefined }> {
  const usable = new Float64Array(values.length);
  for (let i = 0; i < usable.length; i++) usable[i] = Number.isFinite(timestamps[i]) ? values[i] : NaN;
  return { usable, learnedScores: learned ? await learned.score(usable) : undefined };
}

/** Scores the next points of one series; `values[i]` NaN (or a NaN timestamp) is skipped with score 0. */
export async function scoreChunk(
  detector: StreamDetector,
  learned: LearnedChannel | undefined,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
): Promise<Detection[]> {
  const { usable, learnedScores } = await prepare(learned, timestamps, values);
  const out: Detection[] = new Array<Detection>(usable.length);
  for (let i = 0; i < usable.length; i++) {
    out[i] = detector.update(timestamps[i], usable[i], learnedScores ? learnedScores[i] : NaN);
  }
  return out;
}

/**
 * scoreChunk's scores alone, without the explanations (`detect` writes nothing else): the detector's
 * `score` step when it has one, so no Detection is built per point.
 */
export async function scoreChunkScores(
  detector: StreamDetector,
  learned: LearnedChannel | undefined,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
): Promise<Float64Array> {
  const { usable, learnedScores } = await prepare(learned, timestamps, values);
  const out = new Float64Array(usable.length);
  const step = detector.score
    ? detector.score.bind(detector)
    : (t: number, v: number, l: number) => detector.update(t, v, l).score;
  for (let i = 0; i < usable.length; i++)
    out[i] = step(timestamps[i], usable[i], learnedScores ? learnedScores[i] : NaN);
  return out;
}
