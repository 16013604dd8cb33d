import { loadKubernetesClient } from './fake-kube';
import type { Manifest } from './helm';

/**
 * Kubernetes objects checked the way the API server would take them, offline:
 * - kubernetes-models (its validators are compiled from the Kubernetes OpenAPI schemas, and from
 *   prometheus-operator's CRD for ServiceMonitor): types, required fields, enums, formats such as
 *   quantities. Those schemas allow unknown fields, so also:
 * - every field must exist in @kubernetes/client-node's models (generated from the Kubernetes 1.34
 *   OpenAPI spec), as `kubectl apply --validate=strict` would demand: a misspelt or misplaced field
 *   (`securityContex`, `replicas` under the pod template) is a problem, not a silent no-op;
 * - names and label values are DNS-1123 labels (63 characters at most).
 */
type ModelClass = new (data: unknown) => { validate(): void };

/** apiVersion -> the module exporting its kinds. */
const MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

function modelOf(apiVersion: string, kind: string): ModelClass | undefined {
  const module = MODULES[apiVersion];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return module ? ((require(module) as Record<string, ModelClass>)[kind] ?? undefined) : undefined;
}

interface Attribute {
  baseName: string;
  type: string;
}
type Models = Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;
let models: Models | undefined;

/** Unknown fields and wrong JSON types against the client's generated model `type` (e.g. V1Deployment). */
function fieldProblems(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  const jsonType = Array.isArray(value) ? 'array' : typeof value;
  if (array) {
    if (!Array.isArray(value)) out.push(`${path}: expected a list, got ${jsonType}`);
    else value.forEach((v, i) => fieldProblems(v, array[1], `${path}[${i}]`, out));
    return;
  }
  if (map) {
    if (jsonType !== 'object') out.push(`${path}: expected a map, got ${jsonType}`);
    else for (const [k, v] of Object.entries(value)) fieldProblems(v, map[1], `${path}.${k}`, out);
    return;
  }
  const scalar: Record<string, string[]> = {
    string: ['string'],
    Date: ['string'],
    number: ['number'],
    boolean: ['boolean'],
    IntOrString: ['string', 'number'],
  };
  if (type === 'any') return;
  if (scalar[type]) {
    if (!scalar[type].includes(jsonType)) out.push(`${path}: expected ${type}, got ${jsonType}`);
    return;
  }
  const attributes = models?.[type]?.getAttributeTypeMap?.();
  if (!attributes) throw new Error(`no client-node model ${type} (at ${path})`);
  if (jsonType !== 'object') {
    out.push(`${path}: expected an object (${type}), got ${jsonType}`);
    return;
  }
  const byName = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const t = byName.get(key);
    if (t === undefined) out.push(`${path}.${key}: unknown field of ${type}`);
    else fieldProblems(v, t, `${path}.${key}`, out);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every problem of one object; [] when the API server would take it. */
export function schemaProblems(object: Manifest): string[] {
  const where = `${object.kind}/${object.metadata?.name}`;
  const out: string[] = [];
  const Model = modelOf(object.apiVersion, object.kind);
  if (!Model) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
  } catch (err) {
    out.push(`${where}: ${(err as Error).message}`);
  }
  if (object.apiVersion !== 'monitoring.coreos.com/v1') {
    models ??= loadKubernetesClient() as unknown as Models;
    const version = object.apiVersion.split('/').pop() as string;
    const type = `${version[0].toUpperCase()}${version.slice(1)}${object.kind}`;
    fieldProblems(object, type, where, out);
  }
  const name = object.metadata?.name ?? '';
  if (!DNS_LABEL.test(name) || name.length > 63) out.push(`${where}: name is not a DNS-1123 label of <= 63 characters`);
  for (const [key, value] of Object.entries(object.metadata?.labels ?? {}))
    if (!LABEL_VALUE.test(value) || value.length > 63) out.push(`${where}: label ${key}=${value} is not a label value`);
  return out;
}
