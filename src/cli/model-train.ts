import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { modelsDir } from '../app/control';
import { createSource } from '../app/source';
import { systemClock } from '../clock';
import type { Config } from '../config/config';
import { AppError } from '../errors';
import { createLogger } from '../log/logger';
import { BlobStore } from '../models/blobs';
import { keyMetrics } from '../models/experiments';
import { trainAndRegister } from '../models/register';
import { ModelRegistry } from '../models/registry';
import { versionJson } from '../models/registry-json';
import type { Json, JsonObject, ModelVersion } from '../models/registry-types';
import type { ModelParams } from '../models/train';
import { openStore } from '../store/store';
import { assertStore } from './admin';
import { osUserName } from './os-user';

export const MODEL_TRAIN_USAGE =
  '  model train SERVICE [--window 7d] [--trees N] [--sample-size N] [--feature-window N] [--seed N] [--json]\n' +
  '                                              train in this process, register and evaluate the version';

type Out = (line: string) => void;

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `7d`, `12h`, `2w`, `90m`, or whole seconds. */
export function windowSeconds(text: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(text.trim().toLowerCase());
  if (!m) throw new AppError('bad_request', `--window takes a duration like 7d, 12h or 2w, got “${text}”`);
  return Number(m[1]) * UNIT_S[m[2] || 's'];
}

function whole(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) throw new AppError('bad_request', `--${flag} takes a whole number, got “${text}”`);
  return Number(text);
}

/**
 * `smartcloudops model train SERVICE …`: trains against the configured metrics source in this
 * process (no queue, no worker), registers the version in DATABASE_PATH's registry as the OS user,
 * evaluates it beside the champion and prints the version and its scorecard (or JSON).
 */
export async function runModelTrain(config: Config, args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      window: { type: 'string' },
      trees: { type: 'string' },
      'sample-size': { type: 'string' },
      'feature-window': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new AppError('bad_request', `usage:\n${MODEL_TRAIN_USAGE}`);
  const params: Partial<ModelParams> = {};
  const trees = whole('trees', values.trees);
  const sampleSize = whole('sample-size', values['sample-size']);
  const window = whole('feature-window', values['feature-window']);
  if (trees !== undefined) params.trees = trees;
  if (sampleSize !== undefined) params.sampleSize = sampleSize;
  if (window !== undefined) params.window = window;
  const seed = whole('seed', values.seed);
  const path = config.databasePath;
  // Training may be the first thing done with a data directory: an absent database is created.
  if (path !== ':memory:' && existsSync(path) && statSync(path).size > 0) assertStore(path, 'model train');
  const store = openStore(path);
  try {
    const log = createLogger({ level: 'error', format: 'json' });
    const registry = new ModelRegistry(store.db, new BlobStore(modelsDir(path)));
    const { version } = await trainAndRegister(
      { registry, source: createSource(config, systemClock, log), clock: systemClock, log },
      {
        service: positionals[0],
        ...(values.window === undefined ? {} : { windowS: windowSeconds(values.window) }),
        params,
        ...(seed === undefined ? {} : { seed }),
        createdBy: `cli:${osUserName('unknown')}`,
      },
    );
    if (values.json) out(JSON.stringify(trainJson(version), null, 2));
    else printTrained(version, out);
    return 0;
  } finally {
    store.close();
  }
}

/** The `--json` shape: the version as GET /api/v1/models shows it, with its model, service and seed. */
export function trainJson(v: ModelVersion) {
  return { model: v.name, seed: v.seed, ...versionJson(v) };
}

const obj = (j: Json | undefined): JsonObject | undefined =>
  j && typeof j === 'object' && !Array.isArray(j) ? j : undefined;

function printTrained(v: ModelVersion, out: Out): void {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  out(`trained ${v.name} v${v.version} (seed ${v.seed}, params ${JSON.stringify(v.params)})`);
  out(`  window ${iso(v.window.fromMs)}..${iso(v.window.toMs)}, data sha256 ${v.dataSha256.slice(0, 12)}`);
  out(`  onnx sha256 ${v.onnxSha256}`);
  const card = obj(v.metrics?.scorecard ?? undefined);
  const m = keyMetrics(v.metrics);
  if (!card || !m) {
    out(`  not evaluated: ${m?.evaluationError ?? 'no scorecard'}`);
    return;
  }
  const champion = typeof card.champion === 'number' ? `v${card.champion}` : null;
  out(`scorecard on ${String(card.signal)} (${String(card.points)} points, anomalies injected):`);
  const rows = (Array.isArray(card.rows) ? card.rows : []).map(obj).filter((r) => r !== undefined);
  const cell = (x: Json | undefined) => (typeof x === 'number' ? String(+x.toFixed(3)) : 'n/a');
  const width = Math.max(...rows.map((r) => String(r.label).length), 6);
  out(`  ${'metric'.padEnd(width)}  ${champion ? `${champion.padEnd(8)}  ` : ''}v${v.version}`);
  for (const r of rows)
    out(`  ${String(r.label).padEnd(width)}  ${champion ? `${cell(r.champion).padEnd(8)}  ` : ''}${cell(r.candidate)}`);
  out(String(card.reason));
}
