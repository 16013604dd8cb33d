/**
 * The rules of a Deployment's rollout as pure functions, as kubectl has them: the rollout's
 * status (DeploymentStatusViewer), its history (the ReplicaSets' revisions) and what an undo
 * writes (the previous template and kubectl's rollback annotations), plus the words for them.
 */
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import type { KubernetesBinding } from './types';
import { controlledBy, REVISION_ANNOTATION, revisionOf, selectorString } from '../../../changes/kube';

export { controlledBy, REVISION_ANNOTATION, revisionOf, selectorString };

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** kubectl's rollback.go annotationsToSkip: kept from the Deployment, never copied from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export function deploymentPath(b: KubernetesBinding): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(b.namespace)}/deployments/${encodeURIComponent(b.deployment)}`;
}

export function where(b: KubernetesBinding): string {
  return `deployment ${b.deployment} in namespace ${b.namespace}`;
}

/** Go's time.RFC3339 for a UTC clock: 2006-01-02T15:04:05Z (no fraction). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** kubectl's rsForRevision with toRevision 0: the newest and the one before it. */
export function previousRevision(replicaSets: V1ReplicaSet[]): { latest?: V1ReplicaSet; previous?: V1ReplicaSet } {
  let latest: V1ReplicaSet | undefined;
  let latestRevision = -1;
  let previous: V1ReplicaSet | undefined;
  let previousRev = -1;
  for (const rs of replicaSets) {
    const v = revisionOf(rs.metadata);
    if (v === undefined) continue;
    if (latestRevision < v) {
      previousRev = latestRevision;
      previous = latest;
      latestRevision = v;
      latest = rs;
    } else if (previousRev < v) {
      previousRev = v;
      previous = rs;
    }
  }
  return { latest, previous };
}

export function withoutHash(template: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(template);
  const metadata = copy.metadata as { labels?: Record<string, string> } | undefined;
  if (metadata?.labels) delete metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

/**
 * A pod template as the API sent it. Under V1PodTemplateSpec the client's models keep the wire
 * names (no renamed attributes); only timestamps come back as Dates, which go out again in Go's
 * RFC 3339 form (seconds).
 */
export function wire(template: unknown): Record<string, unknown> {
  const text = JSON.stringify(template ?? {}, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key] as { toISOString?: unknown } | undefined;
    return typeof value === 'string' && raw !== null && typeof raw === 'object' && typeof raw.toISOString === 'function'
      ? value.replace(/\.\d+Z$/, 'Z')
      : value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** deploymentutil.EqualIgnoreHash on the wire form of two pod templates. */
export function equalIgnoreHash(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(canonical(withoutHash(a))) === JSON.stringify(canonical(withoutHash(b)));
}

/** kubectl's rollback annotations: the skip-list values from the Deployment, the rest from the ReplicaSet. */
export function rollbackAnnotations(deployment: V1Deployment, rs: V1ReplicaSet): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const key of ANNOTATIONS_TO_SKIP) {
    const value = deployment.metadata?.annotations?.[key];
    if (value !== undefined) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(rs.metadata?.annotations ?? {})) {
    if (!ANNOTATIONS_TO_SKIP.has(key)) annotations[key] = value;
  }
  return annotations;
}

/** intstr.GetScaledValueFromIntOrPercent: a percentage of replicas, rounded up or down. */
function scaled(value: number | string | undefined, fallback: string, replicas: number, roundUp: boolean): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function images(template: { spec?: { containers?: Array<{ image?: string }> } } | undefined): string {
  return (template?.spec?.containers ?? []).map((c) => c.image ?? '?').join(', ');
}

export function pods(n: number): string {
  return `${n} pod${n === 1 ? '' : 's'}`;
}

export function currentState(d: V1Deployment): Record<string, unknown> {
  return {
    replicas: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    revision: revisionOf(d.metadata),
    image: images(d.spec?.template),
    paused: d.spec?.paused === true,
  };
}

/** How a template change rolls through the pods, in words. */
export function rolloutWords(d: V1Deployment, b: KubernetesBinding): string {
  const replicas = d.spec?.replicas ?? 1;
  const strategy = d.spec?.strategy;
  if (strategy?.type === 'Recreate') {
    return (
      `all ${pods(replicas)} of ${b.deployment} in ${b.namespace} are stopped, then recreated (strategy Recreate): ` +
      'it serves nothing until the new pods are ready'
    );
  }
  const rawUnavailable = strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const rawSurge = strategy?.rollingUpdate?.maxSurge ?? '25%';
  let unavailable = scaled(rawUnavailable, '25%', replicas, false);
  const surge = scaled(rawSurge, '25%', replicas, true);
  if (unavailable === 0 && surge === 0) unavailable = 1;
  const pace = unavailable <= 1 && surge <= 1 ? 'one at a time' : `up to ${Math.max(unavailable, surge)} at a time`;
  return (
    `${pods(replicas)} of ${b.deployment} in ${b.namespace} are replaced ${pace} ` +
    `(maxUnavailable ${rawUnavailable}, maxSurge ${rawSurge})`
  );
}

export interface RolloutStatus {
  done: boolean;
  /** ProgressDeadlineExceeded: the controller gave up. */
  failed: boolean;
  message: string;
}

/** kubectl's DeploymentStatusViewer.Status, word for word where it can be. */
export function rolloutStatus(d: V1Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '?';
  if ((d.metadata?.generation ?? 0) <= (d.status?.observedGeneration ?? 0)) {
    const progressing = (d.status?.conditions ?? []).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      const detail = progressing.message ? `: ${progressing.message}` : '';
      return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline${detail}` };
    }
    const want = d.spec?.replicas ?? 1;
    const updated = d.status?.updatedReplicas ?? 0;
    const total = d.status?.replicas ?? 0;
    const available = d.status?.availableReplicas ?? 0;
    if (updated < want)
      return { done: false, failed: false, message: `${updated} out of ${want} new replicas have been updated` };
    if (total > updated)
      return { done: false, failed: false, message: `${total - updated} old replicas are pending termination` };
    if (available < updated)
      return { done: false, failed: false, message: `${available} of ${updated} updated replicas are available` };
    return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
  }
  return { done: false, failed: false, message: 'waiting for deployment spec update to be observed' };
}
