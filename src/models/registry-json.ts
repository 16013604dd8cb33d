import type { ModelJson, ModelRecord, ModelsJson, ModelVersion, ModelVersionJson } from './registry-types';

export function toJson(models: readonly ModelRecord[]): ModelsJson {
  return { models: models.map(modelJson) };
}

export function modelJson(m: ModelRecord): ModelJson {
  return {
    name: m.name,
    service: m.service,
    champion: m.champion,
    challenger: m.challenger,
    versions: m.versions.map(versionJson),
  };
}

export function versionJson(v: ModelVersion): ModelVersionJson {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    version: v.version,
    created_at: iso(v.createdAt),
    created_by: v.createdBy,
    params: v.params,
    metrics: v.metrics,
    data: { from: iso(v.window.fromMs), to: iso(v.window.toMs), sha256: v.dataSha256 },
    onnx_sha256: v.onnxSha256,
    ...(v.drift ? { drift: { ...v.drift, at: iso(v.drift.at) } } : {}),
  };
}
