import {
  GOLDEN_SIGNALS,
  SIGNAL_UNITS,
  type MetricsSource,
  type Series,
  type ServiceInfo,
  type Signal,
} from '../../src/sources/types';
import { recorded, type Recording } from '../helpers/recorded-metrics';
import { rejection } from '../helpers/rejection';

export interface SourceHarness {
  source: MetricsSource;
  /** What services() must list, in its order. */
  services: ServiceInfo[];
  /** Data the source holds (written into its files or its server, or the demo fleet's own). */
  recording: Recording;
  /** A window in which the source holds no data at all. */
  emptyWindow: { startMs: number; endMs: number };
  /** The same kind of source pointed at nothing (a removed folder, a closed port); the demo fleet has none. */
  unreachable?: () => MetricsSource;
  close(): Promise<void>;
}

/** Where the implementations differ, each within what the port's comments allow. */
export interface SourceCapabilities {
  /** A window without data: an empty series (the demo fleet: the future has no data yet) or not_found. */
  emptyWindow: 'empty-series' | 'not_found';
  /**
   * A window shorter than its step with no multiple of the step inside: no point (empty series),
   * not_found (no stored row in it), or one evaluation at endMs (Prometheus: step.ts).
   */
  offGridWindow: 'empty-series' | 'not_found' | 'one-point-at-end';
  /** The finest stepMs accepted (the demo fleet's resolution); finer is bad_request. */
  minStepMs?: number;
  /** Most points one series may hold; a window of one more is bad_request. Without: no limit. */
  maxPoints?: number;
}

const MIN = 60_000;

/** The port's promises for any series: the query echoed, the signal's unit, ascending finite points in the window. */
function expectWellFormed(series: Series, query: { service: string; signal: Signal; startMs: number; endMs: number }) {
  expect(series).toMatchObject({ service: query.service, signal: query.signal, unit: SIGNAL_UNITS[query.signal] });
  expect(Number.isSafeInteger(series.stepMs) && series.stepMs > 0).toBe(true);
  let previous = -Infinity;
  for (const [t, v] of series.points) {
    expect(t).toBeGreaterThan(previous);
    expect(t).toBeGreaterThanOrEqual(query.startMs);
    expect(t).toBeLessThanOrEqual(query.endMs);
    expect(Number.isFinite(v)).toBe(true);
    previous = t;
  }
}

/**
 * One behaviour contract for every MetricsSource (src/sources/types.ts). `factory` builds a source
 * holding `recording` (read-only, so one source serves the whole suite).
 */
export function metricsSourceContract(
  name: string,
  factory: () => Promise<SourceHarness>,
  capabilities: SourceCapabilities,
): void {
  describe(`metrics source contract: ${name}`, () => {
    let h: SourceHarness;
    beforeAll(async () => {
      h = await factory();
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    }, 15_000);

    const first = () => h.recording.series[0] as Series;
    /** A recorded sample time well inside the recording, and its value. */
    const sample = () => {
      const s = first();
      return { service: s.service, signal: s.signal, point: s.points[30] as [number, number] };
    };

    it('lists its catalog: names, descriptions and objectives within their ranges', async () => {
      const services = await h.source.services();
      expect(services).toEqual(h.services);
      expect(services.length).toBeGreaterThan(0);
      for (const s of services) {
        expect(s.objectives.latency_p99_ms).toBeGreaterThan(0);
        expect(s.objectives.error_rate > 0 && s.objectives.error_rate <= 1).toBe(true);
        expect(s.objectives.cpu).toBeGreaterThan(0);
        expect(s.objectives.memory > 0 && s.objectives.memory <= 1).toBe(true);
      }
    });

    it('passes check() while it is there; when it cannot be reached, check() and query() say unavailable', async () => {
      await expect(h.source.check()).resolves.toBeUndefined();
      if (!h.unreachable) {
        expect(h.source.kind).toBe('demo'); // only the embedded fleet can never be unreachable
        return;
      }
      const gone = h.unreachable();
      expect((await rejection(gone.check())).code).toBe('unavailable');
      const { service, signal } = first();
      const q = { service, signal, startMs: h.recording.startMs, endMs: h.recording.endMs };
      expect((await rejection(gone.query(q))).code).toBe('unavailable');
    });

    it('answers each signal of each service listed: ordered, finite, in the window and unit, on the step', async () => {
      const { startMs, endMs, stepMs } = h.recording;
      for (const { name: service } of await h.source.services()) {
        for (const signal of GOLDEN_SIGNALS) {
          const query = { service, signal, startMs, endMs, stepMs };
          const series = await h.source.query(query);
          expectWellFormed(series, query);
          expect(series.stepMs).toBe(stepMs);
          expect(series.points.length).toBeGreaterThan(0);
          for (const [t] of series.points) expect(t % stepMs).toBe(0);
        }
      }
    });

    it('gives exactly the recorded samples for the recorded window at the recorded step', async () => {
      const { startMs, endMs, stepMs } = h.recording;
      for (const expected of h.recording.series) {
        const series = await h.source.query({
          service: expected.service,
          signal: expected.signal,
          startMs,
          endMs,
          stepMs,
        });
        expect(series.points).toEqual(expected.points);
      }
    });

    it('without stepMs: its own step, start and end included when on it, recorded values only', async () => {
      const { startMs, endMs } = h.recording;
      const { service, signal } = first();
      const series = await h.source.query({ service, signal, startMs, endMs });
      expectWellFormed(series, { service, signal, startMs, endMs });
      const values = new Set(recorded(h.recording, service, signal).map(([, v]) => v));
      expect(series.points[0]?.[0]).toBe(startMs);
      expect(series.points[series.points.length - 1]?.[0]).toBe(endMs);
      for (const [i, [t, v]] of series.points.entries()) {
        if (i > 0) expect((t - (series.points[i - 1] as [number, number])[0]) % series.stepMs).toBe(0);
        expect(values.has(v)).toBe(true);
      }
    });

    it('at a coarser step: points on its multiples, inside the window, within the recorded range', async () => {
      const { startMs, endMs } = h.recording;
      const { service, signal } = first();
      const stepMs = 5 * MIN;
      const series = await h.source.query({ service, signal, startMs, endMs, stepMs });
      expectWellFormed(series, { service, signal, startMs, endMs });
      expect(series.stepMs).toBe(stepMs);
      const values = recorded(h.recording, service, signal).map(([, v]) => v);
      expect(series.points.length).toBeGreaterThanOrEqual(Math.floor((endMs - startMs) / stepMs));
      expect(series.points.length).toBeLessThanOrEqual(Math.floor((endMs - startMs) / stepMs) + 1);
      for (const [t, v] of series.points) {
        expect(t % stepMs).toBe(0);
        expect(v).toBeGreaterThanOrEqual(Math.min(...values));
        expect(v).toBeLessThanOrEqual(Math.max(...values));
      }
    });

    it('gives a sub-window the same points as the whole window has there', async () => {
      const { startMs, endMs, stepMs } = h.recording;
      const { service, signal } = first();
      const whole = await h.source.query({ service, signal, startMs, endMs, stepMs });
      const from = startMs + 10 * MIN;
      const to = startMs + 20 * MIN;
      const part = await h.source.query({ service, signal, startMs: from, endMs: to, stepMs });
      expect(part.points).toEqual(whole.points.filter(([t]) => t >= from && t <= to));
      expect(part.points).toHaveLength(11);
    });

    it('gives a window of one instant, or shorter than a step around a sample, that one sample', async () => {
      const { service, signal, point } = sample();
      const [t] = point;
      const instant = await h.source.query({ service, signal, startMs: t, endMs: t });
      expect(instant.points).toEqual([point]);
      const short = await h.source.query({ service, signal, startMs: t - 1000, endMs: t + 1000 });
      expect(short.points).toEqual([point]);
    });

    const noData = capabilities.emptyWindow === 'not_found' ? 'as not_found, naming the series' : 'as an empty series';
    it(`gives a window without data ${noData}`, async () => {
      const { service, signal } = first();
      const query = { service, signal, ...h.emptyWindow };
      if (capabilities.emptyWindow === 'not_found') {
        const err = await rejection(h.source.query(query));
        expect(err.code).toBe('not_found');
        expect(err.message).toContain(`${service} ${signal}`);
      } else {
        const series = await h.source.query(query);
        expectWellFormed(series, query);
        expect(series.points).toEqual([]);
      }
    });

    it(`answers a window shorter than its step with no step inside: ${capabilities.offGridWindow}`, async () => {
      const { service, signal, point } = sample();
      const query = { service, signal, startMs: point[0] + 1000, endMs: point[0] + 20_000, stepMs: MIN };
      if (capabilities.offGridWindow === 'not_found') {
        expect((await rejection(h.source.query(query))).code).toBe('not_found');
        return;
      }
      const series = await h.source.query(query);
      expectWellFormed(series, query);
      // Evaluated once at the end, the sample before it is what the series shows there.
      expect(series.points).toEqual(capabilities.offGridWindow === 'empty-series' ? [] : [[query.endMs, point[1]]]);
    });

    it('refuses an unknown service as not_found naming it, also one shaped like a path', async () => {
      const { startMs, endMs } = h.recording;
      for (const service of ['no-such-service', '../etc', 'checkout-api/../../x']) {
        const err = await rejection(h.source.query({ service, signal: 'cpu', startMs, endMs }));
        expect(err.code).toBe('not_found');
        expect(err.message).toContain(`"${service}"`);
      }
    });

    it('refuses an unknown signal as bad_request naming it', async () => {
      const { startMs, endMs } = h.recording;
      const err = await rejection(
        h.source.query({ service: first().service, signal: 'latency_p95' as Signal, startMs, endMs }),
      );
      expect(err.code).toBe('bad_request');
      expect(err.message).toContain('"latency_p95"');
    });

    it('refuses a bad range or step as bad_request', async () => {
      const { startMs, endMs } = h.recording;
      const service = first().service;
      const bad = [
        { startMs: endMs, endMs: startMs },
        { startMs: Number.NaN, endMs },
        { startMs, endMs: Number.POSITIVE_INFINITY },
        { startMs, endMs, stepMs: 0 },
        { startMs, endMs, stepMs: -MIN },
        { startMs, endMs, stepMs: 1.5 },
      ];
      for (const range of bad) {
        const err = await rejection(h.source.query({ service, signal: 'cpu', ...range }));
        expect({ range, code: err.code }).toEqual({ range, code: 'bad_request' });
      }
    });

    const finest = capabilities.minStepMs;
    it(
      finest
        ? `refuses a step finer than its resolution (${finest} ms) as bad_request`
        : 'takes a step finer than its samples: points on it, recorded values only',
      async () => {
        const { service, signal, point } = sample();
        const query = { service, signal, startMs: point[0] - MIN, endMs: point[0] + MIN, stepMs: 1000 };
        if (finest) {
          const err = await rejection(h.source.query({ ...query, stepMs: finest / 2 }));
          expect(err.code).toBe('bad_request');
          expect(err.message).toContain(String(finest));
          return;
        }
        const series = await h.source.query(query);
        expectWellFormed(series, query);
        const values = new Set(recorded(h.recording, service, signal).map(([, v]) => v));
        expect(series.points.length).toBeGreaterThanOrEqual(3);
        for (const [t, v] of series.points) {
          expect(t % 1000).toBe(0);
          expect(values.has(v)).toBe(true);
        }
      },
    );

    const limit = capabilities.maxPoints;
    it(
      limit
        ? `refuses a window of more than ${limit} points as bad_request, and serves one of exactly ${limit}`
        : 'has no point limit: a window of a million steps gives the samples it holds',
      async () => {
        const { service, signal } = first();
        const { endMs, stepMs } = h.recording;
        if (limit) {
          const startMs = endMs - limit * stepMs; // limit + 1 points
          const err = await rejection(h.source.query({ service, signal, startMs, endMs, stepMs }));
          expect(err.code).toBe('bad_request');
          expect(err.message).toContain(String(limit));
          const most = await h.source.query({ service, signal, startMs: startMs + stepMs, endMs, stepMs });
          expect(most.points.length).toBeGreaterThan(0);
          expect(most.points.length).toBeLessThanOrEqual(limit);
          return;
        }
        const series = await h.source.query({
          service,
          signal,
          startMs: endMs - 1_000_000 * 1000,
          endMs,
          stepMs: 1000,
        });
        expect(series.points).toEqual(recorded(h.recording, service, signal));
      },
    );
  });
}
