/**
 * The shared NAB files loaded once (timestamps, values, window spans) and scored in-process through
 * the detector's one path, as `detect` scores them (src/anomaly/run.ts `scoreChunkScores`), for
 * tune.ts and the cross-validation (cv-run.ts). `TuneOptions` is one candidate configuration:
 * detector overrides plus the learned channel's options (`learned: false` turns it off).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimestampMs, parseValue } from '../../src/anomaly/csv-io';
import { createDetector, type DetectorOverrides } from '../../src/anomaly/detector';
import { createLearnedChannel, type LearnedChannel, type LearnedOptions } from '../../src/anomaly/learned';
import { scoreChunk, scoreChunkScores } from '../../src/anomaly/run';
import { windowSpans, type Span } from '../../src/anomaly/nab-score';
import type { Detection } from '../../src/anomaly/types';
import { readLabels } from './load';
import { pyDatetimeKey } from './py-compat';

export interface Series {
  /** `<category>/<name>.csv` */
  rel: string;
  ts: Float64Array;
  values: Float64Array;
  /** Labelled windows as row spans (sorted, disjoint). */
  spans: Span[];
}

export type TuneOptions = DetectorOverrides & { learned?: Partial<LearnedOptions> | false };

/** Rows per `scoreChunk` call, as `detect` uses. */
export const CHUNK = 4096;

/** Every labelled file of a NAB folder, in sorted order. */
export function loadSeries(paths: { dataDir: string; labelsPath: string }): Series[] {
  const labels = readLabels(paths.labelsPath);
  return Object.keys(labels)
    .sort()
    .map((rel) => {
      const lines = readFileSync(join(paths.dataDir, rel), 'utf8').trim().split(/\r?\n/).slice(1);
      const keys = lines.map((l) => pyDatetimeKey(l.split(',')[0]));
      return {
        rel,
        ts: Float64Array.from(lines, (l) => parseTimestampMs(l.split(',')[0])),
        values: Float64Array.from(lines, (l) => parseValue(l.split(',')[1])),
        spans: windowSpans(rel, keys, labels[rel], pyDatetimeKey),
      };
    });
}

/** The options with the forest seed set (unchanged when the learned channel is off). */
export function withSeed(options: TuneOptions, seed: number): TuneOptions {
  return options.learned === false ? options : { ...options, learned: { ...options.learned, seed } };
}

/** A learned channel that replays scores computed earlier for the same series (see `learnedScores`). */
function replay(scores: Float64Array): LearnedChannel {
  let at = 0;
  return {
    trained: true,
    score: (values) => {
      const out = scores.slice(at, at + values.length);
      at += values.length;
      return Promise.resolve(out);
    },
    close: () => Promise.resolve(),
  };
}

/** The values `scoreChunk` hands the learned channel: NaN where the timestamp is not usable. */
function usable(s: Series): Float64Array {
  const out = new Float64Array(s.values.length);
  for (let i = 0; i < out.length; i++) out[i] = Number.isFinite(s.ts[i]) ? s.values[i] : NaN;
  return out;
}

/**
 * The learned channel's scores of a whole series, chunk by chunk as `scoreChunk` asks for them
 * (the channel's output does not depend on the chunking). Depends only on the learned options,
 * so candidates that differ in detector options alone share them.
 */
export async function learnedScores(s: Series, options: Partial<LearnedOptions>): Promise<Float64Array> {
  const channel = createLearnedChannel(options);
  const values = usable(s);
  const out = new Float64Array(values.length);
  try {
    for (let at = 0; at < values.length; at += CHUNK) {
      out.set(await channel.score(values.subarray(at, Math.min(values.length, at + CHUNK))), at);
    }
  } finally {
    await channel.close();
  }
  return out;
}

export interface ScoreSeriesOptions {
  /** Learned scores from `learnedScores` with the same learned options (replayed instead of recomputed). */
  learned?: Float64Array;
  /** Called with each chunk's detections (e.g. to record which channel drove each score). */
  onDetections?: (detections: readonly Detection[]) => void;
}

/**
 * One series with a fresh detector (and learned channel), as `detect` scores it (`scoreChunkScores`);
 * through `scoreChunk` instead when the caller wants the detections too.
 */
export async function scoreSeries(
  s: Series,
  options: TuneOptions,
  extra: ScoreSeriesOptions = {},
): Promise<Float64Array> {
  const { learned: learnedOptions, ...detectorOptions } = options;
  const detector = createDetector(detectorOptions);
  const learned =
    learnedOptions === false ? undefined : extra.learned ? replay(extra.learned) : createLearnedChannel(learnedOptions);
  const scores = new Float64Array(s.values.length);
  try {
    for (let at = 0; at < s.values.length; at += CHUNK) {
      const end = Math.min(s.values.length, at + CHUNK);
      const [ts, values] = [s.ts.subarray(at, end), s.values.subarray(at, end)];
      if (!extra.onDetections) {
        scores.set(await scoreChunkScores(detector, learned, ts, values), at);
        continue;
      }
      const detections = await scoreChunk(detector, learned, ts, values);
      for (let i = 0; i < detections.length; i++) scores[at + i] = detections[i].score;
      extra.onDetections(detections);
    }
  } finally {
    await learned?.close();
  }
  return scores;
}
