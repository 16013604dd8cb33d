/**
 * The Kubernetes executor: restart, scale and rollback of one Deployment through the official
 * client (@kubernetes/client-node), sending exactly the requests kubectl sends:
 *
 *   restart  = kubectl rollout restart deployment/NAME -n NS
 *              PATCH .../deployments/NAME?fieldManager=kubectl-rollout  (strategic merge patch)
 *              {"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":RFC3339}}}}}
 *   scale    = kubectl scale deployment/NAME --replicas=N -n NS
 *              PATCH .../deployments/NAME/scale  (merge patch)  {"spec":{"replicas":N}}
 *   rollback = kubectl rollout undo deployment/NAME -n NS
 *              list the Deployment's ReplicaSets, take the previous revision, then
 *              PATCH .../deployments/NAME  (JSON patch) replacing /spec/template (minus the
 *              pod-template-hash label) and /metadata/annotations, as kubectl's DeploymentRollbacker does.
 *
 * After the one write, execute waits like `kubectl rollout status` (polymorphichelpers
 * DeploymentStatusViewer). The file reads top to bottom: the rules as pure functions, then the
 * errors, then the executor's I/O.
 */
import type {
  AppsV1Api,
  KubeConfig,
  RequestContext,
  ResponseContext,
  V1Deployment,
  V1LabelSelector,
  V1ReplicaSet,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { AppError, type ErrorCode } from '../../../errors';
import type {
  Binding,
  ExecuteOptions,
  ExecutionResult,
  Executor,
  Plan,
  RemediationRequest,
  VerifyResult,
} from '../../types';

type KubernetesClient = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
type KubernetesBinding = Extract<Binding, { kind: 'kubernetes' }>;

export interface KubernetesExecutorOptions {
  /** A kubeconfig file; without it (and without inCluster) the default locations ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfigPath?: string;
  /** Use the pod's service account (loadFromCluster). */
  inCluster?: boolean;
  /** A ready KubeConfig (tests point it at a local fake API server). */
  kubeConfig?: KubeConfig;
  /** The client module, when the caller has loaded it already (tests: jest cannot import() ES modules on Node 20). */
  client?: KubernetesClient;
  /** How often the rollout is polled; default 1000 ms. */
  pollMs?: number;
  /** The clock, for restartedAt and rollout deadlines. */
  now?: () => Date;
}

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
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

const PATCH = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;
type PatchType = (typeof PATCH)[keyof typeof PATCH];

/** One write, described exactly as it goes on the wire. */
interface Write {
  method: 'PATCH';
  path: string;
  query: Record<string, string>;
  contentType: PatchType;
  body: unknown;
}

interface Prepared {
  deployment: V1Deployment;
  /** Undefined: nothing to write (a rollback to a template the Deployment already runs). */
  write?: Write;
  current: Record<string, unknown>;
  desired: Record<string, unknown>;
  blastRadius: string;
  /** What the chat reply says once the write is done ("restarted", "scaled 3 -> 5"). */
  done: string;
  skipped?: string;
}

// ---------------------------------------------------------------------------------------------
// Rules (pure)
// ---------------------------------------------------------------------------------------------

function deploymentPath(b: KubernetesBinding): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(b.namespace)}/deployments/${encodeURIComponent(b.deployment)}`;
}

function where(b: KubernetesBinding): string {
  return `deployment ${b.deployment} in namespace ${b.namespace}`;
}

/** Go's time.RFC3339 for a UTC clock: 2006-01-02T15:04:05Z (no fraction). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** labels.Selector.String() of metav1.LabelSelectorAsSelector: requirements sorted by key. */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const parts: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) parts.push([key, `${key}=${value}`]);
  for (const expr of selector?.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])].sort().join(',');
    switch (expr.operator) {
      case 'In':
        parts.push([expr.key, `${expr.key} in (${values})`]);
        break;
      case 'NotIn':
        parts.push([expr.key, `${expr.key} notin (${values})`]);
        break;
      case 'Exists':
        parts.push([expr.key, expr.key]);
        break;
      case 'DoesNotExist':
        parts.push([expr.key, `!${expr.key}`]);
        break;
      default:
        throw new AppError(
          'bad_request',
          `The deployment's selector has an unknown operator ${JSON.stringify(expr.operator)}.`,
        );
    }
  }
  return parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, text]) => text)
    .join(',');
}

/** deploymentutil.Revision: the revision annotation as an integer, or undefined. */
function revisionOf(meta: { annotations?: Record<string, string> } | undefined): number | undefined {
  const text = meta?.annotations?.[REVISION_ANNOTATION];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
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

/** metav1.IsControlledBy: the controller owner reference points at this Deployment. */
function controlledBy(rs: V1ReplicaSet, deployment: V1Deployment): boolean {
  const uid = deployment.metadata?.uid;
  return (rs.metadata?.ownerReferences ?? []).some(
    (ref) => ref.controller === true && uid !== undefined && ref.uid === uid,
  );
}

function withoutHash(template: Record<string, unknown>): Record<string, unknown> {
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
function wire(template: unknown): Record<string, unknown> {
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
function equalIgnoreHash(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
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

function images(template: { spec?: { containers?: Array<{ image?: string }> } } | undefined): string {
  return (template?.spec?.containers ?? []).map((c) => c.image ?? '?').join(', ');
}

function pods(n: number): string {
  return `${n} pod${n === 1 ? '' : 's'}`;
}

function currentState(d: V1Deployment): Record<string, unknown> {
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
function rolloutWords(d: V1Deployment, b: KubernetesBinding): string {
  const replicas = d.spec?.replicas ?? 1;
  const strategy = d.spec?.strategy;
  if (strategy?.type === 'Recreate') {
    return `all ${pods(replicas)} of ${b.deployment} in ${b.namespace} are stopped, then recreated (strategy Recreate): it serves nothing until the new pods are ready`;
  }
  const rawUnavailable = strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const rawSurge = strategy?.rollingUpdate?.maxSurge ?? '25%';
  let unavailable = scaled(rawUnavailable, '25%', replicas, false);
  const surge = scaled(rawSurge, '25%', replicas, true);
  if (unavailable === 0 && surge === 0) unavailable = 1;
  const pace = unavailable <= 1 && surge <= 1 ? 'one at a time' : `up to ${Math.max(unavailable, surge)} at a time`;
  return `${pods(replicas)} of ${b.deployment} in ${b.namespace} are replaced ${pace} (maxUnavailable ${rawUnavailable}, maxSurge ${rawSurge})`;
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

function describeWrite(w: Write): string {
  const query = new URLSearchParams(w.query).toString();
  return `${w.method} ${w.path}${query ? `?${query}` : ''} (${w.contentType}) ${JSON.stringify(w.body)}`;
}

/** Ends a clause as a sentence, once (condition messages from the API often carry their own period). */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'not_found';
  if (status === 403) return 'forbidden';
  if (status === 401) return 'unauthorized';
  if (status === 409) return 'conflict';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'bad_request';
}

/** The Status object's message from an ApiException body (a JSON string), if any. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length > 0 ? message.slice(0, 500) : undefined;
}

/**
 * Anything the client throws, as an AppError naming the deployment, the namespace and the
 * status. Duck-typed: under test runners the client may live in another realm.
 */
function apiError(err: unknown, doing: string, b: KubernetesBinding, server: string | undefined): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as {
    code?: unknown;
    body?: unknown;
    name?: unknown;
    type?: unknown;
    errno?: unknown;
    message?: unknown;
  };
  if (typeof e.code === 'number') {
    const status = e.code;
    const reason = statusMessage(e.body);
    const text = `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
    return new AppError(
      codeForStatus(status),
      `Kubernetes refused to ${doing} ${where(b)} (${text})${reason ? `: ${reason}` : ''}.`,
      { cause: err },
    );
  }
  if (e.name === 'AbortError' || e.type === 'aborted') {
    return new AppError('job_cancelled', `Cancelled while trying to ${doing} ${where(b)}.`, { cause: err });
  }
  const sysCode = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined;
  const at = server ? ` at ${server}` : '';
  if (sysCode !== undefined || e.name === 'FetchError') {
    return new AppError(
      'unavailable',
      `Could not reach the Kubernetes API${at} to ${doing} ${where(b)} (${sysCode ?? 'network error'}).`,
      { cause: err },
    );
  }
  const message = typeof e.message === 'string' ? e.message.split('\n')[0] : String(err);
  return new AppError('internal', `Kubernetes call failed while trying to ${doing} ${where(b)}: ${message}`, {
    cause: err,
  });
}

function cancelled(b: KubernetesBinding, wrote: boolean): AppError {
  return new AppError(
    'job_cancelled',
    wrote
      ? `Cancelled while waiting for the rollout of ${where(b)}; the change was already applied and the rollout continues in the cluster.`
      : `Cancelled before changing ${where(b)}; nothing was changed.`,
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// The executor
// ---------------------------------------------------------------------------------------------

/** Loads the ESM-only client; `import()` stays native in our CommonJS build (module node16). */
function loadClient(): Promise<KubernetesClient> {
  return import('@kubernetes/client-node');
}

export function createKubernetesExecutor(options: KubernetesExecutorOptions = {}): Executor {
  if (options.inCluster && options.kubeconfigPath) {
    throw new AppError('config_invalid', 'The Kubernetes executor takes either kubeconfigPath or inCluster, not both.');
  }
  const pollMs = options.pollMs ?? 1000;
  if (!Number.isFinite(pollMs) || pollMs <= 0) {
    throw new AppError(
      'config_invalid',
      `The Kubernetes executor's pollMs must be a positive number of milliseconds (got ${String(options.pollMs)}).`,
    );
  }
  const now = options.now ?? (() => new Date());
  /** restartedAt per request id: a repeated execute (or the plan before it) sends the same value. */
  const restartStamps = new Map<string, string>();

  let connection: Promise<{ k8s: KubernetesClient; apps: AppsV1Api; server: string | undefined }> | undefined;
  function connect(): Promise<{ k8s: KubernetesClient; apps: AppsV1Api; server: string | undefined }> {
    connection ??= (async () => {
      const k8s = options.client ?? (await loadClient());
      let kc = options.kubeConfig;
      if (!kc) {
        kc = new k8s.KubeConfig();
        try {
          if (options.inCluster) kc.loadFromCluster();
          else if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
          else kc.loadFromDefault();
        } catch (err) {
          const from = options.inCluster
            ? 'the in-cluster service account'
            : (options.kubeconfigPath ?? 'the default kubeconfig locations');
          throw new AppError(
            'config_invalid',
            `Could not load the Kubernetes config from ${from}: ${String((err as { message?: unknown }).message ?? err).split('\n')[0]}`,
            { cause: err },
          );
        }
      }
      const cluster = kc.getCurrentCluster();
      if (!cluster) {
        throw new AppError(
          'config_invalid',
          'The Kubernetes config has no current cluster: set current-context in the kubeconfig, or run in a cluster with inCluster.',
        );
      }
      return { k8s, apps: kc.makeApiClient(k8s.AppsV1Api), server: cluster.server };
    })();
    connection.catch(() => {
      connection = undefined; // a later call may try again (e.g. once the kubeconfig is fixed)
    });
    return connection;
  }

  /** Per-request middleware: the patch type kubectl uses (the generated client defaults to JSON patch) and the abort signal. */
  function requestOptions(k8s: KubernetesClient, signal: AbortSignal | undefined, contentType?: PatchType) {
    return {
      middleware: [
        {
          pre: (ctx: RequestContext) => {
            if (contentType) ctx.setHeaderParam('Content-Type', contentType);
            if (signal) ctx.setSignal(signal);
            return new k8s.Observable(Promise.resolve(ctx));
          },
          post: (ctx: ResponseContext) => new k8s.Observable(Promise.resolve(ctx)),
        },
      ],
      middlewareMergeStrategy: 'append' as const,
    };
  }

  async function readDeployment(b: KubernetesBinding, signal?: AbortSignal): Promise<V1Deployment> {
    const { k8s, apps, server } = await connect();
    try {
      return await apps.readNamespacedDeployment(
        { name: b.deployment, namespace: b.namespace },
        requestOptions(k8s, signal),
      );
    } catch (err) {
      throw apiError(err, 'read', b, server);
    }
  }

  async function prepare(request: RemediationRequest, b: KubernetesBinding, signal?: AbortSignal): Promise<Prepared> {
    const { k8s, apps, server } = await connect();
    const deployment = await readDeployment(b, signal);
    const current = currentState(deployment);
    const replicas = current.replicas as number;

    switch (request.action) {
      case 'restart': {
        if (deployment.spec?.paused) {
          throw new AppError(
            'bad_request',
            `Can't restart paused ${where(b)}: run \`kubectl rollout resume deployment/${b.deployment} -n ${b.namespace}\` first.`,
          );
        }
        let stamp = restartStamps.get(request.id);
        if (stamp === undefined) {
          stamp = rfc3339(now());
          restartStamps.set(request.id, stamp);
          if (restartStamps.size > 1000) restartStamps.delete(restartStamps.keys().next().value as string);
        }
        return {
          deployment,
          write: {
            method: 'PATCH',
            path: deploymentPath(b),
            query: { fieldManager: 'kubectl-rollout' },
            contentType: PATCH.strategic,
            body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } } },
          },
          current,
          desired: { replicas, [RESTARTED_AT_ANNOTATION]: stamp, image: current.image },
          blastRadius: rolloutWords(deployment, b),
          done: `Restarted ${where(b)}`,
        };
      }
      case 'scale': {
        const want = request.params.replicas;
        if (typeof want !== 'number' || !Number.isInteger(want) || want < 0) {
          throw new AppError(
            'bad_request',
            `Scaling ${where(b)} needs a whole number of replicas, 0 or more (got ${JSON.stringify(want)}).`,
          );
        }
        const blastRadius =
          want === replicas
            ? `nothing changes: ${b.deployment} in ${b.namespace} already runs ${pods(replicas)}`
            : want === 0
              ? `${b.deployment} in ${b.namespace} stops serving: all ${pods(replicas)} are stopped`
              : want > replicas
                ? `${pods(want - replicas)} of ${b.deployment} in ${b.namespace} are started (${replicas} -> ${want}); running pods are untouched`
                : `${pods(replicas - want)} of ${replicas} of ${b.deployment} in ${b.namespace} are stopped (${replicas} -> ${want})`;
        return {
          deployment,
          write: {
            method: 'PATCH',
            path: `${deploymentPath(b)}/scale`,
            query: {},
            contentType: PATCH.merge,
            body: { spec: { replicas: want } },
          },
          current,
          desired: { replicas: want, image: current.image },
          blastRadius,
          done: `Scaled ${where(b)} from ${replicas} to ${want} replicas`,
        };
      }
      case 'rollback': {
        if (deployment.spec?.paused) {
          throw new AppError(
            'bad_request',
            `You cannot roll back paused ${where(b)}: resume it first with \`kubectl rollout resume deployment/${b.deployment} -n ${b.namespace}\`.`,
          );
        }
        const labelSelector = selectorString(deployment.spec?.selector);
        let list: V1ReplicaSet[];
        try {
          list = (
            await apps.listNamespacedReplicaSet({ namespace: b.namespace, labelSelector }, requestOptions(k8s, signal))
          ).items;
        } catch (err) {
          throw apiError(err, 'list the ReplicaSets of', b, server);
        }
        const { previous } = previousRevision(list.filter((rs) => controlledBy(rs, deployment)));
        if (!previous) {
          throw new AppError(
            'bad_request',
            `No rollout history found for ${where(b)}: there is no previous revision to roll back to.`,
          );
        }
        const toRevision = revisionOf(previous.metadata);
        const template = wire(previous.spec?.template);
        const running = wire(deployment.spec?.template);
        const desired = {
          revision: toRevision,
          replicaSet: previous.metadata?.name,
          image: images(previous.spec?.template),
          replicas,
        };
        if (equalIgnoreHash(template, running)) {
          const skipped = `Skipped rollback of ${where(b)}: the current template already matches revision ${toRevision}.`;
          return { deployment, current, desired, blastRadius: `nothing changes: ${skipped}`, done: skipped, skipped };
        }
        return {
          deployment,
          write: {
            method: 'PATCH',
            path: deploymentPath(b),
            query: {},
            contentType: PATCH.json,
            body: [
              { op: 'replace', path: '/spec/template', value: withoutHash(template) },
              { op: 'replace', path: '/metadata/annotations', value: rollbackAnnotations(deployment, previous) },
            ],
          },
          current,
          desired,
          blastRadius: `${rolloutWords(deployment, b)}, back to revision ${toRevision} (${desired.image})`,
          done: `Rolled back ${where(b)} to revision ${toRevision} (${desired.image})`,
        };
      }
      case 'clear_cache':
      case 'runbook':
        throw new AppError(
          'bad_request',
          `${request.action} is not a Kubernetes action: bind it to a shell runbook or a webhook, not to ${where(b)}.`,
        );
    }
  }

  function bindingOf(binding: Binding): KubernetesBinding {
    if (binding.kind !== 'kubernetes') {
      throw new AppError('bad_request', `The Kubernetes executor was given a ${binding.kind} binding.`);
    }
    return binding;
  }

  async function send(w: Write, b: KubernetesBinding, signal: AbortSignal): Promise<void> {
    const { k8s, apps, server } = await connect();
    const opts = requestOptions(k8s, signal, w.contentType);
    try {
      if (w.path.endsWith('/scale')) {
        await apps.patchNamespacedDeploymentScale({ name: b.deployment, namespace: b.namespace, body: w.body }, opts);
      } else {
        await apps.patchNamespacedDeployment(
          { name: b.deployment, namespace: b.namespace, body: w.body, fieldManager: w.query.fieldManager },
          opts,
        );
      }
    } catch (err) {
      throw apiError(err, 'patch', b, server);
    }
  }

  /** Polls like `kubectl rollout status` until done, failed, timed out or cancelled. */
  async function waitForRollout(
    b: KubernetesBinding,
    options: ExecuteOptions,
    wrote: boolean,
  ): Promise<RolloutStatus & { timedOut: boolean }> {
    const deadline = now().getTime() + b.rolloutTimeoutMs;
    let last = '';
    for (;;) {
      if (options.signal.aborted) throw cancelled(b, wrote);
      let status: RolloutStatus;
      try {
        status = rolloutStatus(await readDeployment(b, options.signal));
      } catch (err) {
        if (options.signal.aborted) throw cancelled(b, wrote);
        throw err;
      }
      if (status.message !== last) {
        options.progress(`rollout: ${status.message}`);
        last = status.message;
      }
      if (status.done || status.failed) return { ...status, timedOut: false };
      if (now().getTime() >= deadline) return { ...status, timedOut: true };
      await sleep(Math.min(pollMs, Math.max(0, deadline - now().getTime())), options.signal);
    }
  }

  return {
    kind: 'kubernetes',

    async plan(request, binding): Promise<Plan> {
      const b = bindingOf(binding);
      const p = await prepare(request, b);
      const calls = [`GET ${deploymentPath(b)}`];
      if (p.write) {
        calls.push(describeWrite(p.write));
        calls.push(
          `GET ${deploymentPath(b)} every ${seconds(pollMs)} until rolled out (at most ${seconds(b.rolloutTimeoutMs)})`,
        );
      }
      return { executor: 'kubernetes', calls, current: p.current, desired: p.desired, blastRadius: p.blastRadius };
    },

    async execute(request, binding, options): Promise<ExecutionResult> {
      const b = bindingOf(binding);
      if (options.signal.aborted) throw cancelled(b, false);
      let p: Prepared;
      try {
        p = await prepare(request, b, options.signal);
      } catch (err) {
        if (options.signal.aborted) throw cancelled(b, false);
        throw err;
      }
      if (!p.write) return { ok: true, summary: p.skipped ?? p.done, detail: { skipped: true, current: p.current } };
      if (options.signal.aborted) throw cancelled(b, false);
      await send(p.write, b, options.signal);
      options.progress(`${p.done}; waiting for the rollout`);
      const status = await waitForRollout(b, options, true);
      const detail = {
        request: describeWrite(p.write),
        before: p.current,
        desired: p.desired,
        rollout: status.message,
      };
      if (status.failed) {
        return { ok: false, summary: sentence(`${p.done}, but the rollout failed: ${status.message}`), detail };
      }
      if (status.timedOut) {
        return {
          ok: false,
          summary: `${p.done}, but the rollout did not finish within ${seconds(b.rolloutTimeoutMs)} (${status.message}).`,
          detail,
        };
      }
      return { ok: true, summary: `${p.done}; the rollout finished.`, detail };
    },

    async verify(_request, binding, options): Promise<VerifyResult> {
      const b = bindingOf(binding);
      const status = rolloutStatus(await readDeployment(b, options.signal));
      return {
        ok: status.done,
        summary: sentence(
          status.done ? `${where(b)}: ${status.message}` : `${where(b)} has not rolled out: ${status.message}`,
        ),
      };
    },
  };
}
