import { performance } from 'node:perf_hooks';
import { buildBundle, loadBundle } from '../src/models/bundle';
import { DEFAULT_TRAINING_WINDOW_S, fetchHistory } from '../src/models/history';
import { DEFAULT_MODEL_PARAMS, DEFAULT_MODEL_SEED, trainModel } from '../src/models/train';
import { DemoFleet } from '../src/sources/demo/fleet';
import { printTable, round, runAsScript } from './util';

const SERVICE = 'payments';
const ROUNDS = 3;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Model training (issue 15): 7 days of one-minute data, every golden signal of one service of the
 * demo fleet, default params (what `train payments` does): fetch, train, build the ONNX bundle and
 * load it, medians of a few rounds.
 */
export async function benchModels(): Promise<void> {
  const source = new DemoFleet({ seed: 7, clock: () => NOW });
  const rounds: Array<{ fetch: number; train: number; bundle: number; load: number; points: number; bytes: number }> =
    [];
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
    await loaded.close();
    const points = history.signals.reduce((n, s) => n + s.values.length, 0);
    rounds.push({ fetch, train, bundle, load, points, bytes: bytes.length });
  }
  const m = (k: 'fetch' | 'train' | 'bundle' | 'load') => round(median(rounds.map((x) => x[k])), 0);
  const total = median(rounds.map((x) => x.fetch + x.train + x.bundle));
  printTable(
    `Model training: ${SERVICE}, 7 days of one-minute data, every golden signal (medians of ${ROUNDS} rounds)`,
    [
      { name: 'grid points (all signals)', value: rounds[0].points.toLocaleString('en-US') },
      { name: 'fetch history', value: m('fetch'), unit: 'ms' },
      { name: 'train forests + calibration', value: m('train'), unit: 'ms' },
      { name: 'build ONNX bundle', value: m('bundle'), unit: 'ms' },
      { name: 'load bundle (onnxruntime)', value: m('load'), unit: 'ms' },
      { name: 'fetch + train + bundle', value: round(total / 1000, 2), unit: 's' },
      { name: 'bundle size', value: round(rounds[0].bytes / 1024, 0), unit: 'KiB' },
    ],
  );
}

if (require.main === module) runAsScript(benchModels);
