/**
 * Series scored as they grow (the monitor, src/workers/monitor.ts). A scan every few minutes of every
 * signal of every service cannot rescore a day of history each time, so a stream keeps its detector
 * and is fed only the points that arrived since the last scan.
 *
 * Scores do not depend on the cache: a stream always starts at the same place, the start of the UTC
 * day before the scan (so it has learned at least a whole day), and streaming is chunk-invariant (a
 * point's score depends only on the points before it, ./run.ts). A warm stream, one that catches up
 * after another process took some scans, and a fresh one give the same scores for the same minutes;
 * the cache only saves work. A scan older than its stream (scans of two slots running at once) is
 * scored fresh, without touching the stream.
 */
import { createDetector } from './detector';
import type { LearnedChannel } from './learned';
import { scoreChunk } from './run';
import type { Detection, StreamDetector } from './types';
import type { Series } from '../sources/types';

export const DAY_MS = 86_400_000;
/** Scored points kept per stream (and handed to the caller): the last 6 hours. */
export const KEEP_MS = 6 * 3_600_000;
/**
 * Streams kept per process (about 0.3 MB each, six per service): past this, a series is scored from its
 * history at every scan (about 5 ms of CPU per series).
 */
export const MAX_STREAMS = 600;
/** Points scored per call when a stream catches up on its history. */
const FEED_CHUNK = 360;

/** Where a stream of this scan starts: the start of the UTC day before `atMs`. */
export function streamStart(atMs: number): number {
  return Math.floor((atMs - DAY_MS) / DAY_MS) * DAY_MS;
}

export interface StreamRequest {
  /** What the stream scores: `service/signal/step/model` (the model's sha256, or `built-in`). */
  key: string;
  atMs: number;
  stepMs: number;
  /** The series' points in [startMs, endMs] (both inclusive, on the step). */
  read(startMs: number, endMs: number): Promise<Series>;
  /** The learned channel (a champion's), made when a stream starts; none: the statistical channels alone. */
  learned?: () => LearnedChannel;
}

export interface Scored {
  /** The points of the last KEEP_MS up to atMs, time order, and the detection of each. */
  points: Array<[number, number]>;
  detections: Detection[];
  unit: string;
  /** Points fed to the detector for this request (the history too when it started fresh). */
  fed: number;
}

export interface StreamCache {
  scored(request: StreamRequest): Promise<Scored>;
  /** Streams held now. */
  size(): number;
  close(): Promise<void>;
}

interface Stream {
  startMs: number;
  detector: StreamDetector;
  learned?: LearnedChannel;
  lastMs: number;
  points: Array<[number, number]>;
  detections: Detection[];
  unit: string;
}

export function createStreamCache(options: { max?: number } = {}): StreamCache {
  const max = options.max ?? MAX_STREAMS;
  const streams = new Map<string, Stream>();
  // One request at a time per stream: a stream is fed in time order.
  const locks = new Map<string, Promise<unknown>>();

  const locked = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (locks.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    locks.set(key, tail);
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key);
    });
    return run;
  };

  const drop = async (key: string) => {
    const s = streams.get(key);
    streams.delete(key);
    await s?.learned?.close();
  };

  return {
    scored(request) {
      return locked(request.key, async () => {
        const startMs = streamStart(request.atMs);
        const held = streams.get(request.key);
        if (held && held.startMs === startMs && held.lastMs <= request.atMs) {
          try {
            const fed = await feed(held, request, held.lastMs + request.stepMs);
            return view(held, request.atMs, fed);
          } catch (err) {
            // Half fed, or its learned channel gone: the next request starts the stream again.
            await drop(request.key);
            throw err;
          }
        }
        // An older scan than the stream: scored on its own, the stream left as it is.
        const keep = !(held && held.startMs === startMs) && (held !== undefined || streams.size < max);
        const fresh = start(request, startMs);
        try {
          const fed = await feed(fresh, request, startMs);
          if (!keep) return view(fresh, request.atMs, fed);
          await drop(request.key);
          streams.set(request.key, fresh);
          // Streams of an earlier day are done with (their services may be gone).
          for (const [key, s] of streams) if (s.startMs < startMs) await drop(key);
          return view(fresh, request.atMs, fed);
        } finally {
          if (!keep || streams.get(request.key) !== fresh) await fresh.learned?.close();
        }
      });
    },
    size: () => streams.size,
    async close() {
      for (const key of [...streams.keys()]) await drop(key);
    },
  };
}

function start(request: StreamRequest, startMs: number): Stream {
  return {
    startMs,
    detector: createDetector(),
    ...(request.learned ? { learned: request.learned() } : {}),
    lastMs: startMs - request.stepMs,
    points: [],
    detections: [],
    unit: '',
  };
}

/** Feed the stream the points in [fromMs, atMs]; returns how many. */
async function feed(s: Stream, request: StreamRequest, fromMs: number): Promise<number> {
  if (fromMs > request.atMs) return 0;
  const series = await request.read(fromMs, request.atMs);
  s.unit = series.unit;
  const fresh = series.points.filter(([t]) => t > s.lastMs && t <= request.atMs);
  if (fresh.length === 0) return 0;
  const cut = request.atMs - KEEP_MS;
  // A chunk at a time: a day of history never holds all its detections at once (a smaller heap peak).
  for (let from = 0; from < fresh.length; from += FEED_CHUNK) {
    const chunk = fresh.slice(from, from + FEED_CHUNK);
    const detections = await scoreChunk(
      s.detector,
      s.learned,
      chunk.map(([t]) => t),
      chunk.map(([, v]) => v),
    );
    s.lastMs = chunk[chunk.length - 1][0];
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i][0] <= cut) continue;
      s.points.push([chunk[i][0], chunk[i][1]]);
      s.detections.push(slim(detections[i]));
    }
  }
  const drop = s.points.findIndex(([t]) => t > cut);
  if (drop > 0) {
    s.points.splice(0, drop);
    s.detections.splice(0, drop);
  }
  return fresh.length;
}

/** What a kept detection needs (its score and band: explain.ts judges a point by them), for a smaller stream. */
function slim(d: Detection): Detection {
  return d.band ? { score: d.score, band: d.band, detector: d.detector } : { score: d.score, detector: d.detector };
}

/** The stream's kept points up to atMs (all of them: a stream is never ahead of the scan it answers). */
function view(s: Stream, atMs: number, fed: number): Scored {
  const cut = atMs - KEEP_MS;
  const from = s.points.findIndex(([t]) => t > cut);
  const at = from < 0 ? s.points.length : from;
  return { points: s.points.slice(at), detections: s.detections.slice(at), unit: s.unit, fed };
}
