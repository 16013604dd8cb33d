import type { Manifest } from './helm';

/**
 * The environment a container of rendered manifests would get, resolved as the kubelet does:
 * envFrom ConfigMaps first, then `env` in order, `$(VAR)` expanded from what is defined before it,
 * secretKeyRef and configMapKeyRef read from the rendered Secrets and ConfigMaps, or from `existing`
 * (Secrets made outside the chart); an optional key that is missing leaves its variable unset.
 */
export interface Container {
  name: string;
  args?: string[];
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      configMapKeyRef?: { name: string; key: string; optional?: boolean };
    };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  [field: string]: unknown;
}

type Data = Record<string, Record<string, string>>;

function dataOf(objects: Manifest[], kind: 'Secret' | 'ConfigMap', existing: Data): Data {
  const out: Data = { ...existing };
  for (const o of objects.filter((x) => x.kind === kind)) {
    const data = (o.data ?? {}) as Record<string, string>;
    out[o.metadata.name] = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v]),
    );
  }
  return out;
}

export function resolveEnv(
  container: Container,
  objects: Manifest[],
  existing: { secrets?: Data; configMaps?: Data } = {},
): Record<string, string> {
  const secrets = dataOf(objects, 'Secret', existing.secrets ?? {});
  const configMaps = dataOf(objects, 'ConfigMap', existing.configMaps ?? {});
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const source = from.configMapRef ? configMaps : secrets;
    if (!ref || !source[ref.name]) throw new Error(`${container.name}: envFrom ${ref?.name} is not there`);
    Object.assign(env, source[ref.name]);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    const source = e.valueFrom?.secretKeyRef ? secrets : configMaps;
    if (!ref) throw new Error(`${container.name}: ${e.name} has neither value nor a key reference`);
    const value = source[ref.name]?.[ref.key];
    if (value !== undefined) env[e.name] = value;
    else if (!ref.optional) throw new Error(`${container.name}: ${e.name} refers to ${ref.name}/${ref.key}, not there`);
  }
  return env;
}
