/**
 * Changes from a Kubernetes cluster (read-only: get and list only), for the Deployments the action
 * catalog binds to services:
 * - the rollout history (the Deployment's own ReplicaSets, as `kubectl rollout history` reads
 *   them): a revision whose image differs from the one before is a `deploy`; a revision whose
 *   ReplicaSet existed before the previous one (kubectl rollout undo reuses it) is a `rollback`; a
 *   template change with the same images is a `restart` (kubectl rollout restart's annotation) or
 *   a `config_change`. Its time is the ReplicaSet's creation (a rollback's: the newest
 *   "Scaled up" event of that ReplicaSet, else the Deployment's last progress).
 * - the events of the Deployment, its ReplicaSets and their pods: OOMKilling/OOMKilled (or a
 *   message naming OOMKilled) -> `oom_kill`, BackOff and Killing -> `restart`, ScalingReplicaSet -> `scale`.
 * Event messages and annotations are carried as data (trimmed), never interpreted.
 */
import type { AppsV1Api, CoreV1Api, CoreV1Event, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { AppError } from '../errors';
import {
  controlledBy,
  loadKubeConfig,
  loadKubernetesClient,
  revisionOf,
  selectorString,
  type KubeConfigOptions,
  type KubernetesClient,
} from './kube';
import type { ChangeEvent, ChangeKind, ChangeQuery, ChangeSource } from './types';

/** Longest message or annotation text carried into an event. */
const MAX_TEXT = 200;
const DEFAULT_LIMIT = 100;
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

/** A service of the catalog and the Deployment it runs as (from the action catalog's kubernetes bindings). */
export interface KubernetesTarget {
  service: string;
  namespace: string;
  deployment: string;
}

export interface KubernetesChangeSourceOptions extends KubeConfigOptions {
  targets: KubernetesTarget[];
  /** The client module when the caller has loaded it (tests: jest cannot import() ES modules on Node 20). */
  client?: KubernetesClient;
}

interface Connection {
  apps: AppsV1Api;
  core: CoreV1Api;
  server: string;
}

const trim = (text: string | undefined): string => {
  const one = (text ?? '').replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
};
const ms = (d: Date | string | undefined): number | undefined => {
  if (d === undefined) return undefined;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(t) ? t : undefined;
};
const imagesOf = (rs: V1ReplicaSet): string =>
  (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(',');

export function createKubernetesChangeSource(options: KubernetesChangeSourceOptions): ChangeSource {
  let connection: Promise<Connection> | undefined;
  const connect = (): Promise<Connection> => {
    connection ??= (async () => {
      const k8s = options.client ?? (await loadKubernetesClient());
      const { kc, server } = loadKubeConfig(k8s, options);
      return { apps: kc.makeApiClient(k8s.AppsV1Api), core: kc.makeApiClient(k8s.CoreV1Api), server };
    })();
    connection.catch(() => {
      connection = undefined; // a later call may try again
    });
    return connection;
  };
  return {
    kind: 'kubernetes',
    async events(query: ChangeQuery): Promise<ChangeEvent[]> {
      const targets = options.targets.filter((t) => query.service === undefined || t.service === query.service);
      if (targets.length === 0) return [];
      const conn = await connect();
      const eventsByNamespace = new Map<string, Promise<CoreV1Event[]>>();
      const namespaceEvents = (namespace: string): Promise<CoreV1Event[]> => {
        let list = eventsByNamespace.get(namespace);
        if (!list) {
          list = conn.core.listNamespacedEvent({ namespace }).then(
            (r) => r.items,
            (err: unknown) => {
              throw readError(err, `list the events of namespace ${namespace}`, conn.server);
            },
          );
          eventsByNamespace.set(namespace, list);
        }
        return list;
      };
      const all = await Promise.all(targets.map((t) => changesOf(conn, t, namespaceEvents)));
      return all
        .flat()
        .filter((e) => e.atMs >= query.fromMs && e.atMs <= query.toMs)
        .sort((a, b) => b.atMs - a.atMs)
        .slice(0, query.limit ?? DEFAULT_LIMIT);
    },
  };
}

function readError(err: unknown, what: string, server: string): AppError {
  const code = (err as { code?: unknown }).code;
  const reason = String((err as { message?: unknown }).message ?? err).split('\n')[0];
  return new AppError(
    'unavailable',
    `Could not ${what} on the Kubernetes API server ${server}` +
      `${typeof code === 'number' ? ` (HTTP ${code})` : ''}: ${trim(reason)}`,
    { cause: err },
  );
}

async function changesOf(
  conn: Connection,
  t: KubernetesTarget,
  namespaceEvents: (namespace: string) => Promise<CoreV1Event[]>,
): Promise<ChangeEvent[]> {
  const where = `deployment ${t.deployment} in namespace ${t.namespace}`;
  let deployment: V1Deployment;
  try {
    deployment = await conn.apps.readNamespacedDeployment({ name: t.deployment, namespace: t.namespace });
  } catch (err) {
    throw readError(err, `read ${where}`, conn.server);
  }
  let owned: V1ReplicaSet[];
  try {
    const labelSelector = selectorString(deployment.spec?.selector);
    const list = await conn.apps.listNamespacedReplicaSet({ namespace: t.namespace, labelSelector });
    owned = list.items.filter((rs) => controlledBy(rs, deployment));
  } catch (err) {
    throw err instanceof AppError ? err : readError(err, `list the ReplicaSets of ${where}`, conn.server);
  }
  const events = (await namespaceEvents(t.namespace)).filter((e) => concerns(e, t, owned));
  return [...rolloutChanges(t, deployment, owned, events), ...eventChanges(t, events)];
}

/** Whether an event is about the Deployment, one of its ReplicaSets or one of their pods. */
function concerns(e: CoreV1Event, t: KubernetesTarget, owned: V1ReplicaSet[]): boolean {
  const { kind, name } = e.involvedObject ?? {};
  if (!name) return false;
  if (kind === 'Deployment') return name === t.deployment;
  const names = owned.map((rs) => rs.metadata?.name ?? '').filter(Boolean);
  if (kind === 'ReplicaSet') return names.includes(name);
  if (kind === 'Pod') return names.some((rs) => name.startsWith(`${rs}-`));
  return false;
}

/** The rollout history as changes, one per revision (the first revision too: the Deployment's creation). */
export function rolloutChanges(
  t: KubernetesTarget,
  deployment: V1Deployment,
  owned: V1ReplicaSet[],
  events: CoreV1Event[] = [],
): ChangeEvent[] {
  const history = owned
    .map((rs) => ({ rs, revision: revisionOf(rs.metadata) }))
    .filter((h): h is { rs: V1ReplicaSet; revision: number } => h.revision !== undefined)
    .sort((a, b) => a.revision - b.revision);
  const latestRevision = history[history.length - 1]?.revision;
  const out: ChangeEvent[] = [];
  history.forEach(({ rs, revision }, i) => {
    const prev = history[i - 1]?.rs;
    const created = ms(rs.metadata?.creationTimestamp);
    const prevCreated = ms(prev?.metadata?.creationTimestamp);
    const reused =
      rs.metadata?.annotations?.[REVISION_HISTORY] !== undefined ||
      (created !== undefined && prevCreated !== undefined && created < prevCreated);
    const image = imagesOf(rs);
    const was = prev ? imagesOf(prev) : undefined;
    let kind: ChangeKind;
    let summary: string;
    if (reused) {
      kind = 'rollback';
      summary = `rollback of ${t.deployment} to ${image} (was ${was ?? 'unknown'})`;
    } else if (!prev || image !== was) {
      kind = 'deploy';
      summary = prev
        ? `deploy of ${t.deployment}: ${image} (was ${was})`
        : `first rollout of ${t.deployment}: ${image}`;
    } else {
      const restarted =
        rs.spec?.template?.metadata?.annotations?.[RESTARTED_AT] !==
        prev.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
      kind = restarted ? 'restart' : 'config_change';
      summary = restarted
        ? `rollout restart of ${t.deployment}`
        : `pod template of ${t.deployment} changed, same image ${image}`;
    }
    const atMs = reused ? reactivatedAt(rs, deployment, events, revision === latestRevision) : created;
    if (atMs === undefined) return;
    const cause = rs.metadata?.annotations?.[CHANGE_CAUSE];
    out.push({
      atMs,
      service: t.service,
      kind,
      source: 'kubernetes',
      summary,
      detail: {
        namespace: t.namespace,
        deployment: t.deployment,
        revision,
        replicaSet: rs.metadata?.name ?? null,
        image,
        previousImage: was ?? null,
        ...(cause ? { changeCause: trim(cause) } : {}),
      },
    });
  });
  return out;
}

/** When a reused ReplicaSet came back: its newest "Scaled up" event, else the Deployment's last progress. */
function reactivatedAt(
  rs: V1ReplicaSet,
  deployment: V1Deployment,
  events: CoreV1Event[],
  latest: boolean,
): number | undefined {
  const name = rs.metadata?.name;
  const scaledUp = events
    .filter(
      (e) => e.reason === 'ScalingReplicaSet' && name && (e.message ?? '').includes(`Scaled up replica set ${name}`),
    )
    .map(eventTime)
    .filter((t): t is number => t !== undefined);
  if (scaledUp.length) return Math.max(...scaledUp);
  if (!latest) return undefined;
  const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
  return ms(progressing?.lastUpdateTime) ?? ms(progressing?.lastTransitionTime);
}

function eventTime(e: CoreV1Event): number | undefined {
  return ms(e.eventTime) ?? ms(e.lastTimestamp) ?? ms(e.firstTimestamp) ?? ms(e.metadata?.creationTimestamp);
}

function eventKind(e: CoreV1Event): ChangeKind | undefined {
  const reason = e.reason ?? '';
  if (reason === 'OOMKilling' || reason === 'OOMKilled' || /\bOOMKilled\b/.test(e.message ?? '')) return 'oom_kill';
  if (reason === 'BackOff' || reason === 'Killing') return 'restart';
  if (reason === 'ScalingReplicaSet') return 'scale';
  return undefined;
}

/** The events that are changes: OOM kills, restarts, scaling. */
export function eventChanges(t: KubernetesTarget, events: CoreV1Event[]): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  for (const e of events) {
    const kind = eventKind(e);
    const atMs = eventTime(e);
    if (!kind || atMs === undefined) continue;
    const object = `${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}`;
    out.push({
      atMs,
      service: t.service,
      kind,
      source: 'kubernetes',
      summary: `${e.reason ?? kind} on ${object}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}: ${trim(e.message)}`,
      detail: {
        namespace: t.namespace,
        deployment: t.deployment,
        reason: e.reason ?? null,
        object,
        count: e.count ?? 1,
        type: e.type ?? null,
      },
    });
  }
  return out;
}
