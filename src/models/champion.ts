/**
 * The control plane's champion lookup for detection producers (`anomalies`, incident analysis):
 * the service's champion with its verified bytes, or why it cannot be served. Built on the
 * registry in src/app/control.ts; producers get only the ChampionOf function (and spread
 * `modelsForJob` of its answer into the job).
 */
import { ModelBlobError } from './blobs';
import { defaultModelName } from './registry-names';
import type { ModelAlias, ModelVersion } from './registry-types';
import { fallbackReason, type ChampionOf, type ModelRef } from './serving';

/** What the lookup needs of the registry (ModelRegistry). */
export interface ChampionSource {
  modelsOf(service: string): string[];
  resolve(name: string, alias: ModelAlias): ModelVersion | undefined;
  onnx(name: string, version: number): Promise<Buffer>;
}

/**
 * `<service>-detector` first, then any other model of the service that has a champion. With a
 * served champion, the model's challenger rides along for shadow scoring (or why it cannot).
 */
export function championOf(registry: ChampionSource): ChampionOf {
  return async (service) => {
    const names = registry.modelsOf(service);
    const preferred = defaultModelName(service);
    const ordered = names.includes(preferred) ? [preferred, ...names.filter((n) => n !== preferred)] : names;
    for (const name of ordered) {
      const v = registry.resolve(name, 'champion');
      if (!v) continue;
      const model = await refOf(registry, name, v);
      if ('why' in model) return { fallback: fallbackReason(name, v.version, model.why) };
      const c = registry.resolve(name, 'challenger');
      if (!c || c.version === v.version) return { model };
      const shadow = await refOf(registry, name, c);
      if ('why' in shadow) {
        return {
          model,
          shadowSkipped: { name, version: c.version, reason: `${name} v${c.version}'s file ${shadow.why}` },
        };
      }
      return { model, shadow };
    }
    return undefined;
  };
}

/** A version's verified bytes as a ModelRef, or why they cannot be read. */
async function refOf(registry: ChampionSource, name: string, v: ModelVersion): Promise<ModelRef | { why: string }> {
  try {
    const bytes = await registry.onnx(name, v.version);
    return { name, version: v.version, sha256: v.onnxSha256, onnxBase64: bytes.toString('base64') };
  } catch (err) {
    return {
      why: err instanceof ModelBlobError ? `is ${err.reason}` : `could not be read (${(err as Error).message})`,
    };
  }
}
