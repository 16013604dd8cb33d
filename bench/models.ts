import { performance } from 'node:perf_hooks';
import { createDetector } from '../src/anomaly/detector';
import { createLearnedChannel, type LearnedChannel } from '../src/anomaly/learned';
import { scoreChunk } from '../src/anomaly/run';
import { createPretrainedChannel } from '../src/models/serving';
import { buildBundle, loadBundle } from '../src/models/bundle';
import { DEFAULT_TRAINING_WINDOW_S, fetchHistory } from '../src/models/history';
import { DEFAULT_MODEL_PARAMS, DEFAULT_MODEL_SEED, trainModel } from '../src/models/train';
import { DemoFleet } from '../src/sources/demo/fleet';
import { printTable, round, runAsScript } from './util';

const SERVICE = 'payments';
const ROUNDS = 3;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds to score one series with the detector and this learned channel (closed after). */
async function detectMs(learned: LearnedChannel, timestamps: Float64Array, values: Float64Array): Promise<number> {
  const t0 = performance.now();
  try {
    await scoreChunk(createDetector(), learned, timestamps, values);
  } finally {
    await learned.close();
  }
  return performance.now() - t0;
}

/**
 * Model training (issue 15): 7 days of one-minute data, every golden signal of one service of the
 * demo fleet, default params (what `train payments` does): fetch, train, build the ONNX bundle and
 * load it, medians of a few rounds.
 */
export async function benchModels(): Promise<void> {
  const source = new DemoFleet({ seed: 7, clock: () => NOW });
  const rounds: Array<{
    fetch: number;
    train: number;
    bundle: number;
    load: number;
    points: number;
    bytes: number;
    champion: number;
    builtIn: number;
    detected: number;
  }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    const history = await fetchHistory(source, { service: SERVICE, windowS: DEFAULT_TRAINING_WINDOW_S, toMs: NOW });
    const fetch = performance.now() - t0;
    t0 = performance.now();
    const trained = await trainModel(history, { params: { ...DEFAULT_MODEL_PARAMS }, seed: DEFAULT_MODEL_SEED });
    const train = performance.now() - t0;
    t0 = performance.now();
    const bytes = buildBundle(trained, { model: `${SERVICE}-detector` });
    const bundle = performance.now() - t0;
    t0 = performance.now();
    const loaded = await loadBundle(bytes);
    const load = performance.now() - t0;
    // Detection of the same 7 days of latency: the champion's forest against the built-in channel,
    // which trains a forest on the series' first rows inside every detection job.
    const latency = history.signals.find((x) => x.signal === 'latency_p99') ?? history.signals[0];
    const timestamps = Float64Array.from(
      latency.values,
      (_, i) => history.window.fromMs + (i + 1) * history.window.stepMs,
    );
    const scorer = loaded.scorers[latency.signal];
    if (!scorer) throw new Error(`the bundle has no ${latency.signal}`);
    const champion = await detectMs(
      createPretrainedChannel(scorer, { window: trained.params.window }),
      timestamps,
      latency.values,
    );
    const builtIn = await detectMs(createLearnedChannel({ intraOpNumThreads: 1 }), timestamps, latency.values);
    await loaded.close();
    const points = history.signals.reduce((n, s) => n + s.values.length, 0);
    rounds.push({
      fetch,
      train,
      bundle,
      load,
      points,
      bytes: bytes.length,
      champion,
      builtIn,
      detected: latency.values.length,
    });
  }
  const m = (k: 'fetch' | 'train' | 'bundle' | 'load' | 'champion' | 'builtIn') =>
    round(median(rounds.map((x) => x[k])), 0);
  const total = median(rounds.map((x) => x.fetch + x.train + x.bundle));
  printTable(
    `Models: training ${SERVICE} on 7 days of one-minute data (every golden signal), then detection on its p99 ` +
      `latency with the champion vs the built-in channel (medians of ${ROUNDS} rounds)`,
    [
      { name: 'grid points (all signals)', value: rounds[0].points.toLocaleString('en-US') },
      { name: 'fetch history', value: m('fetch'), unit: 'ms' },
      { name: 'train forests + calibration', value: m('train'), unit: 'ms' },
      { name: 'build ONNX bundle', value: m('bundle'), unit: 'ms' },
      { name: 'load bundle (onnxruntime)', value: m('load'), unit: 'ms' },
      { name: 'fetch + train + bundle', value: round(total / 1000, 2), unit: 's' },
      { name: 'bundle size', value: round(rounds[0].bytes / 1024, 0), unit: 'KiB' },
      {
        name: `detect ${rounds[0].detected.toLocaleString('en-US')} points: champion`,
        value: m('champion'),
        unit: 'ms',
      },
      { name: 'detect the same: built-in channel', value: m('builtIn'), unit: 'ms' },
      {
        name: 'champion / built-in time',
        value: round(median(rounds.map((x) => x.champion / x.builtIn)), 2),
        unit: 'x',
      },
    ],
  );
}

if (require.main === module) runAsScript(benchModels);
