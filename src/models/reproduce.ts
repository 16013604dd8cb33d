/**
 * `smartcloudops model reproduce NAME VERSION` (issue 15, point 8): retrain a registered version from
 * its record (same data window from the metrics source, same params and seed, same code version)
 * and check that the ONNX bytes are identical. Pure apart from the registry and source it is given.
 */
import { AppError, errorMessage } from '../errors';
import type { MetricsSource } from '../sources/types';
import { sha256Hex } from './blobs';
import { buildBundle, readBundleMeta, type BundleMeta } from './bundle';
import { fetchHistory, historySha256, type History } from './history';
import type { ModelRegistry } from './registry';
import type { ModelVersion } from './registry-types';
import { resolveParams, trainModel, type ModelParams } from './train';

export interface ReproduceResult {
  model: string;
  version: number;
  reproduced: boolean;
  /** Whether the re-fetched window hashes to the recorded data sha256; null when not fetched. */
  dataSha256Match: boolean | null;
  /** The ONNX sha256 the registry recorded. */
  onnxSha256: string;
  /** The sha256 of the rebuilt bundle; null when nothing was rebuilt. */
  rebuiltSha256: string | null;
  /** Why it was not reproduced (absent when it was). */
  reason?: string;
}

export interface ReproduceDeps {
  registry: ModelRegistry;
  source: MetricsSource;
  /** This build's codeVersion() (./version). */
  codeVersion: string;
}

/**
 * Retrains NAME VERSION and compares. Throws AppError('not_found') for an unknown model or version
 * (with the registry's "did you mean"); every other way of not reproducing is a result with a reason.
 */
export async function reproduce(deps: ReproduceDeps, name: string, version: number): Promise<ReproduceResult> {
  const v = deps.registry.version(name, version);
  const base = { model: v.name, version: v.version, onnxSha256: v.onnxSha256 };
  const refuse = (reason: string, dataSha256Match: boolean | null = null, rebuilt: string | null = null) => ({
    ...base,
    reproduced: false,
    dataSha256Match,
    rebuiltSha256: rebuilt,
    reason,
  });
  if (v.codeVersion !== deps.codeVersion) {
    return refuse(
      `${name} v${version} was trained by code version ${v.codeVersion}, this build is ${deps.codeVersion}: ` +
        'the bytes cannot match across releases; reproduce it with that release',
    );
  }
  let meta: BundleMeta;
  try {
    meta = readBundleMeta(await deps.registry.onnx(name, version));
  } catch (err) {
    return refuse(`cannot read the recorded ONNX file: ${errorMessage(err)}`);
  }
  const disagree = disagreements(v, meta);
  if (disagree.length) return refuse(`the registry record and its ONNX file disagree on ${disagree.join('; ')}`);
  let history: History;
  try {
    history = await refetch(deps.source, v, meta);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return refuse(`the metrics source cannot replay the training window ${span(v)}: ${err.message}`);
  }
  const dataSha = historySha256(history);
  if (dataSha !== v.dataSha256) {
    return refuse(
      `the metrics source cannot replay the training window ${span(v)}: its data now hashes to ${dataSha}, ` +
        `the record says ${v.dataSha256} (e.g. past Prometheus retention, changed CSV files or another DEMO_SEED)`,
      false,
    );
  }
  const { params, seed } = resolveParams(v.params as Partial<ModelParams>, v.seed);
  const rebuilt = sha256Hex(buildBundle(await trainModel(history, { params, seed }), { model: name }));
  if (rebuilt !== v.onnxSha256) {
    return refuse(`the rebuilt ONNX file differs: recorded sha256 ${v.onnxSha256}, rebuilt ${rebuilt}`, true, rebuilt);
  }
  return { ...base, reproduced: true, dataSha256Match: true, rebuiltSha256: rebuilt };
}

/** The same window, step and signals the version was trained on. */
function refetch(source: MetricsSource, v: ModelVersion, meta: BundleMeta): Promise<History> {
  const { stepMs } = meta.window;
  return fetchHistory(source, {
    service: meta.service,
    windowS: (v.window.toMs - v.window.fromMs) / 1000,
    toMs: v.window.toMs,
    stepMs,
    signals: meta.signals.map((s) => s.signal),
  });
}

/** Fields where the registry row and the bundle's own metadata differ (a tampered or mixed-up record). */
function disagreements(v: ModelVersion, meta: BundleMeta): string[] {
  const out: string[] = [];
  const check = (what: string, record: unknown, file: unknown) => {
    const a = JSON.stringify(record);
    const b = JSON.stringify(file);
    if (a !== b) out.push(`${what} (record ${a}, file ${b})`);
  };
  check('model', v.name, meta.model);
  check('seed', v.seed, meta.seed);
  check('window', [v.window.fromMs, v.window.toMs], [meta.window.fromMs, meta.window.toMs]);
  check('data sha256', v.dataSha256, meta.dataSha256);
  check('params', sorted(v.params), sorted(meta.params as unknown as Record<string, unknown>));
  return out;
}

function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

function span(v: ModelVersion): string {
  return `${new Date(v.window.fromMs).toISOString()} .. ${new Date(v.window.toMs).toISOString()}`;
}

/** The `--json` shape: {model, version, reproduced, data_sha256_match, onnx_sha256, rebuilt_sha256, reason?}. */
export function reproduceJson(r: ReproduceResult) {
  return {
    model: r.model,
    version: r.version,
    reproduced: r.reproduced,
    data_sha256_match: r.dataSha256Match,
    onnx_sha256: r.onnxSha256,
    rebuilt_sha256: r.rebuiltSha256,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
  };
}
