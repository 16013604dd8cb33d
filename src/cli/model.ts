import { parseArgs } from 'node:util';
import { modelsDir } from '../app/control';
import { createSource } from '../app/source';
import { systemClock } from '../clock';
import type { Config } from '../config/config';
import { AppError } from '../errors';
import { createLogger } from '../log/logger';
import { BlobStore } from '../models/blobs';
import { ModelRegistry } from '../models/registry';
import { modelJson, toJson } from '../models/registry-json';
import type { ModelRecord, ModelVersion } from '../models/registry-types';
import { reproduce, reproduceJson } from '../models/reproduce';
import { codeVersion } from '../models/version';
import { openStore } from '../store/store';
import { assertStore } from './admin';
import { MODEL_TRAIN_USAGE, runModelTrain } from './model-train';

/**
 * `smartcloudops model …` on the control plane's store and model files (DATABASE_PATH and the
 * `models/` folder beside it): list, show, reproduce a version from its record (issue 15, 8), and
 * train one in this process (./model-train.ts).
 */
export const MODEL_USAGE = `  model list [--json]                         models, their aliases and versions
  model show NAME [--json]                    one model's versions: window, data and ONNX sha256, params, metrics
  model reproduce NAME VERSION [--json]       retrain a version from its record; exit 0 if the ONNX bytes match
${MODEL_TRAIN_USAGE}`;

type Out = (line: string) => void;

export async function runModel(config: Config, argv: string[], io: { out: Out; err: Out }): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === 'train') return train(config, rest, io);
  if (verb !== 'list' && verb !== 'show' && verb !== 'reproduce')
    throw new AppError('bad_request', `unknown command "${`model ${verb ?? ''}`.trim()}"; one of:\n${MODEL_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const want = { list: 0, show: 1, reproduce: 2 }[verb];
  if (positionals.length !== want)
    throw new AppError('bad_request', `usage:\n${MODEL_USAGE.split('\n').find((l) => l.includes(`model ${verb}`))}`);
  const path = config.databasePath;
  assertStore(path, `model ${verb}`);
  const store = openStore(path);
  const registry = new ModelRegistry(store.db, new BlobStore(modelsDir(path)));
  const json = values.json ?? false;
  try {
    if (verb === 'list') return list(registry.list(), json, io.out);
    if (verb === 'show') return show(registry.get(positionals[0]), json, io.out);
    return await reproduceCmd(config, registry, positionals, json, io);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'not_found' || err.code === 'bad_request')) {
      io.err(`smartcloudops model ${verb}: ${err.userMessage}`);
      return 1;
    }
    throw err;
  } finally {
    store.close();
  }
}

async function train(config: Config, args: string[], io: { out: Out; err: Out }): Promise<number> {
  try {
    return await runModelTrain(config, args, io.out);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'not_found' || err.code === 'bad_request')) {
      io.err(`smartcloudops model train: ${err.userMessage}`);
      return 1;
    }
    throw err;
  }
}

function list(models: ModelRecord[], json: boolean, out: Out): number {
  if (json) {
    out(JSON.stringify(toJson(models), null, 2));
    return 0;
  }
  if (!models.length) {
    out('no models yet: train one from chat ("train a model for payments") or POST /api/v1/models/train');
    return 0;
  }
  const rows = models.map((m) => {
    const latest = m.versions.at(-1);
    return [m.name, m.service, alias(m.champion), alias(m.challenger), String(m.versions.length), latestOf(latest)];
  });
  table(['MODEL', 'SERVICE', 'CHAMPION', 'CHALLENGER', 'VERSIONS', 'LATEST'], rows, out);
  return 0;
}

function show(m: ModelRecord, json: boolean, out: Out): number {
  if (json) {
    out(JSON.stringify(modelJson(m), null, 2));
    return 0;
  }
  out(`${m.name} (service ${m.service}): champion ${alias(m.champion)}, challenger ${alias(m.challenger)}`);
  if (!m.versions.length) {
    out('no versions');
    return 0;
  }
  const rows = m.versions.map((v) => [
    `v${v.version}`,
    iso(v.createdAt),
    v.createdBy,
    `${iso(v.window.fromMs)}..${iso(v.window.toMs)}`,
    `seed ${v.seed} ${JSON.stringify(v.params)}`,
    v.dataSha256.slice(0, 12),
    v.onnxSha256.slice(0, 12),
    v.codeVersion,
  ]);
  table(['VERSION', 'CREATED', 'BY', 'WINDOW', 'PARAMS', 'DATA', 'ONNX', 'CODE'], rows, out);
  for (const v of m.versions) if (v.metrics) out(`v${v.version} metrics: ${JSON.stringify(v.metrics)}`);
  return 0;
}

async function reproduceCmd(
  config: Config,
  registry: ModelRegistry,
  [name, versionArg]: string[],
  json: boolean,
  io: { out: Out; err: Out },
): Promise<number> {
  const version = Number(versionArg.replace(/^v/i, ''));
  if (!Number.isInteger(version) || version < 1)
    throw new AppError('bad_request', `VERSION must be a version number like 3, got “${versionArg}”`);
  const source = createSource(config, systemClock, createLogger({ level: 'error', format: 'json' }));
  const r = await reproduce({ registry, source, codeVersion: codeVersion() }, name, version);
  if (json) io.out(JSON.stringify(reproduceJson(r), null, 2));
  else if (r.reproduced) io.out(`reproduced: identical bytes (sha256 ${r.onnxSha256})`);
  else {
    io.out(`not reproduced: ${r.reason ?? 'unknown reason'}`);
    io.out(`  recorded sha256 ${r.onnxSha256}`);
    io.out(`  rebuilt sha256  ${r.rebuiltSha256 ?? '(not rebuilt)'}`);
  }
  return r.reproduced ? 0 : 1;
}

const alias = (v: number | null) => (v === null ? '-' : `v${v}`);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

function latestOf(v: ModelVersion | undefined): string {
  return v ? `v${v.version} ${iso(v.createdAt)} by ${v.createdBy}` : '-';
}

/** Columns padded to their widest cell, two spaces apart. */
function table(head: string[], rows: string[][], out: Out): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  out(line(head));
  for (const r of rows) out(line(r));
}
