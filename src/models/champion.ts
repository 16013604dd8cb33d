/**
 * The control plane's champion lookup for detection producers (`anomalies`, incident analysis):
 * the service's champion with its verified bytes, or why it cannot be served. Built on the
 * registry in src/app/control.ts; producers get only the ChampionOf function.
 */
import { ModelBlobError } from './blobs';
import { defaultModelName } from './registry-names';
import type { ModelAlias, ModelVersion } from './registry-types';
import { fallbackReason, type ChampionOf } from './serving';

/** What the lookup needs of the registry (ModelRegistry). */
export interface ChampionSource {
  modelsOf(service: string): string[];
  resolve(name: string, alias: ModelAlias): ModelVersion | undefined;
  onnx(name: string, version: number): Promise<Buffer>;
}

/** `<service>-detector` first, then any other model of the service that has a champion. */
export function championOf(registry: ChampionSource): ChampionOf {
  return async (service) => {
    const names = registry.modelsOf(service);
    const preferred = defaultModelName(service);
    const ordered = names.includes(preferred) ? [preferred, ...names.filter((n) => n !== preferred)] : names;
    for (const name of ordered) {
      const v = registry.resolve(name, 'champion');
      if (!v) continue;
      try {
        const bytes = await registry.onnx(name, v.version);
        return {
          model: { name, version: v.version, sha256: v.onnxSha256, onnxBase64: bytes.toString('base64') },
        };
      } catch (err) {
        const why =
          err instanceof ModelBlobError ? `is ${err.reason}` : `could not be read (${(err as Error).message})`;
        return { fallback: fallbackReason(name, v.version, why) };
      }
    }
    return undefined;
  };
}
