import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { listenOnLoopback } from './loopback';

/**
 * A local stand-in for the Kubernetes API server (the far side, not our code): plain HTTP on
 * 127.0.0.1 holding one namespace's Deployments and ReplicaSets in memory, in apps/v1's JSON
 * shapes, so the real @kubernetes/client-node can be pointed at it with a token user.
 *
 * It answers GET deployment, list ReplicaSets (labelSelector), list Events, PATCH deployment and PATCH the
 * scale subresource; records every request; refuses what the real server refuses (401 without
 * the token, 415 for a body that is not a patch media type, 422 for a JSON patch that does not
 * apply or a template whose labels miss the selector) and, stricter than the real server,
 * refuses with 422 any write not shaped like the one kubectl sends for that verb. After a write
 * that changes the spec, the rollout progresses one step per GET of the deployment, the way a
 * controller would between `kubectl rollout status` polls.
 */

export interface RecordedKubeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** The parsed JSON body (or the raw text when it is not JSON; undefined without a body). */
  body: unknown;
  headers: IncomingHttpHeaders;
}

type Json = Record<string, unknown>;

export interface DeploymentSeed {
  namespace: string;
  name: string;
  replicas: number;
  image: string;
  /** The current revision; ReplicaSets 1..revision are created, image `${image}` for the last, `:v${n}` tags before. */
  revision: number;
  strategy?: Json;
  paused?: boolean;
  annotations?: Record<string, string>;
  /** creationTimestamp of ReplicaSets 1..revision (RFC 3339); default 2024-05-01T10:00:00Z for all. */
  revisionTimes?: string[];
}

/** How the rollout after a write goes. */
export type RolloutMode = 'progress' | 'stall' | 'deadline';

export interface FakeFailure {
  method?: string;
  /** Matched against the path (a suffix or a pattern). */
  path?: string | RegExp;
  status: number;
  reason: string;
  message: string;
}

export interface FakeKube {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly requests: RecordedKubeRequest[];
  /** Every request that is not a GET. */
  writes(): RecordedKubeRequest[];
  deployment(namespace: string, name: string): Json | undefined;
  replicaSets(namespace: string): Json[];
  addDeployment(seed: DeploymentSeed): Json;
  /** A ReplicaSet in the namespace owned by someone else (must be ignored by a rollback). */
  addForeignReplicaSet(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    revision: number,
    image: string,
  ): void;
  /** A core/v1 Event in the namespace (listed by GET /api/v1/namespaces/NS/events). */
  addEvent(namespace: string, event: Json): void;
  rollout: RolloutMode;
  /** Answer matching requests with a Status error instead. */
  fail(failure: FakeFailure): void;
  close(): Promise<void>;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/apply-patch+cbor',
];

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function status(code: number, reason: string, message: string, details?: Json): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

const clone = <T>(v: T): T => structuredClone(v);

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function templateWithoutHash(template: unknown): unknown {
  const t = clone(template) as { metadata?: { labels?: Record<string, string> } };
  if (t.metadata?.labels) delete t.metadata.labels[HASH];
  return t;
}

function hashOf(template: unknown): string {
  let h = 2166136261;
  for (const ch of canonical(templateWithoutHash(template))) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).padStart(7, '0').slice(0, 10);
}

/** Matches labels against a selector string as the API server parses it (k=v, k!=v, k, !k, in, notin). */
function selectorMatches(selector: string, labels: Record<string, string>): boolean | string {
  if (selector === '') return true;
  const parts = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim());
      const has = labels[m[1]] !== undefined && values.includes(labels[m[1]]);
      if (m[2] === 'in' ? !has : has) return false;
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(part))) {
      if ((m[2] === '!=') === (labels[m[1]] === m[3])) return false;
    } else if ((m = /^!([\w./-]+)$/.exec(part))) {
      if (labels[m[1]] !== undefined) return false;
    } else if ((m = /^([\w./-]+)$/.exec(part))) {
      if (labels[m[1]] === undefined) return false;
    } else {
      return `unable to parse requirement: ${JSON.stringify(part)}`;
    }
  }
  return true;
}

/** RFC 6902 pointer -> parent and key. */
function locate(doc: Json, pointer: string): { parent: Json; key: string } | undefined {
  if (!pointer.startsWith('/')) return undefined;
  const keys = pointer
    .slice(1)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc;
  for (const key of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[key];
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node as Json, key: keys[keys.length - 1] };
}

function applyJsonPatch(doc: Json, ops: unknown): string | undefined {
  if (!Array.isArray(ops)) return 'json: cannot unmarshal object into Go value of type jsonpatch.Patch';
  for (const op of ops as Array<{ op?: string; path?: string; value?: unknown }>) {
    const at = locate(doc, op.path ?? '');
    if (!at) return `replace operation does not apply: doc is missing path: ${op.path}`;
    if (op.op === 'replace') {
      if (!(at.key in at.parent)) return `replace operation does not apply: doc is missing key: ${op.path}`;
      at.parent[at.key] = clone(op.value);
    } else if (op.op === 'add') {
      at.parent[at.key] = clone(op.value);
    } else if (op.op === 'remove') {
      delete at.parent[at.key];
    } else {
      return `Unexpected kind: ${String(op.op)}`;
    }
  }
  return undefined;
}

/** A strategic merge patch restricted to maps (all kubectl's restart sends). */
function mergeMaps(target: Json, patch: Json): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (
      typeof v === 'object' &&
      !Array.isArray(v) &&
      target[k] !== null &&
      typeof target[k] === 'object' &&
      !Array.isArray(target[k])
    )
      mergeMaps(target[k] as Json, v as Json);
    else target[k] = clone(v);
  }
}

/** Why a write is not the one kubectl sends for that verb (undefined: it is). */
function notKubectlShape(
  kind: 'deployment' | 'scale',
  contentType: string,
  query: Record<string, string>,
  body: unknown,
): string | undefined {
  if (kind === 'scale') {
    if (contentType !== 'application/merge-patch+json') return `kubectl scale sends a merge patch, not ${contentType}`;
    const b = body as { spec?: { replicas?: unknown } };
    if (canonical(Object.keys(body as Json)) !== '["spec"]' || canonical(Object.keys(b.spec ?? {})) !== '["replicas"]')
      return 'kubectl scale sends exactly {"spec":{"replicas":N}}';
    if (typeof b.spec?.replicas !== 'number' || !Number.isInteger(b.spec.replicas) || b.spec.replicas < 0)
      return 'spec.replicas must be a whole number >= 0';
    return undefined;
  }
  if (contentType === 'application/strategic-merge-patch+json') {
    if (query.fieldManager !== 'kubectl-rollout') return 'kubectl rollout restart sends fieldManager=kubectl-rollout';
    const annotations = (body as { spec?: { template?: { metadata?: { annotations?: Json } } } }).spec?.template
      ?.metadata?.annotations;
    const expected = {
      spec: {
        template: {
          metadata: {
            annotations: { 'kubectl.kubernetes.io/restartedAt': annotations?.['kubectl.kubernetes.io/restartedAt'] },
          },
        },
      },
    };
    if (canonical(body) !== canonical(expected))
      return (
        'kubectl rollout restart sends exactly ' +
        '{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":...}}}}}'
      );
    const at = annotations?.['kubectl.kubernetes.io/restartedAt'];
    if (typeof at !== 'string' || !RFC3339.test(at))
      return `restartedAt must be Go's time.RFC3339, got ${JSON.stringify(at)}`;
    return undefined;
  }
  if (contentType === 'application/json-patch+json') {
    if (Object.keys(query).length > 0) return 'kubectl rollout undo sends no query parameters';
    const ops = body as Array<{ op?: unknown; path?: unknown; value?: unknown }>;
    if (!Array.isArray(ops) || ops.length !== 2) return 'kubectl rollout undo sends two operations';
    if (ops[0].op !== 'replace' || ops[0].path !== '/spec/template' || typeof ops[0].value !== 'object')
      return 'the first operation must replace /spec/template';
    if (ops[1].op !== 'replace' || ops[1].path !== '/metadata/annotations' || typeof ops[1].value !== 'object')
      return 'the second operation must replace /metadata/annotations';
    const labels = (ops[0].value as { metadata?: { labels?: Json } }).metadata?.labels ?? {};
    if (HASH in labels) return `kubectl rollout undo removes the ${HASH} label from the template`;
    if (Object.values(ops[1].value as Json).some((v) => typeof v !== 'string')) return 'annotations must be strings';
    return undefined;
  }
  return `kubectl sends no ${contentType} patch to a deployment`;
}

export async function startFakeKube(options: { token?: string } = {}): Promise<FakeKube> {
  const token = options.token ?? 'fake-token-s3cr3t';
  const requests: RecordedKubeRequest[] = [];
  const deployments = new Map<string, Json>();
  const replicaSets = new Map<string, Json[]>();
  const failures: FakeFailure[] = [];
  const events = new Map<string, Json[]>();
  /** Per deployment: the status steps still to come after a write. */
  const pending = new Map<string, Json[]>();
  let resourceVersion = 1000;
  let uidCounter = 0;
  const nextRv = () => String(++resourceVersion);
  const key = (ns: string, name: string) => `${ns}/${name}`;

  const fake = { rollout: 'progress' as RolloutMode };

  function rsFor(deployment: Json, template: Json, revision: number, replicas: number): Json {
    const meta = deployment.metadata as Json;
    const hash = hashOf(template);
    const t = clone(template) as { metadata: { labels: Record<string, string> } };
    t.metadata.labels = { ...t.metadata.labels, [HASH]: hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${meta.name as string}-${hash}`,
        namespace: meta.namespace,
        uid: `rs-uid-${++uidCounter}`,
        resourceVersion: nextRv(),
        generation: 1,
        creationTimestamp: '2024-05-01T10:00:00Z',
        labels: { ...t.metadata.labels },
        annotations: {
          [REVISION]: String(revision),
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + 1),
          'kubernetes.io/change-cause': `deploy revision ${revision}`,
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: meta.name,
            uid: meta.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...(((deployment.spec as Json).selector as Json).matchLabels as Json) } },
        template: t,
      },
      status: {
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        observedGeneration: 1,
      },
    };
  }

  function settledStatus(d: Json): Json {
    const replicas = (d.spec as Json).replicas as number;
    const generation = (d.metadata as Json).generation as number;
    return {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
          lastUpdateTime: '2024-05-01T10:00:00Z',
          lastTransitionTime: '2024-05-01T10:00:00Z',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${(d.metadata as Json).name as string}" has successfully progressed.`,
          lastUpdateTime: '2024-05-01T10:00:00Z',
          lastTransitionTime: '2024-05-01T10:00:00Z',
        },
      ],
    };
  }

  /** The status steps a controller goes through after a spec change (one per poll). */
  function rolloutSteps(d: Json, before: Json, templateChanged: boolean): Json[] {
    const final = settledStatus(d);
    const target = (d.spec as Json).replicas as number;
    const generation = (d.metadata as Json).generation as number;
    const was = before.status as Json;
    const unobserved = { ...clone(was), observedGeneration: generation - 1 };
    const progressing = (extra: Json): Json => ({
      ...final,
      ...extra,
      conditions: [
        (final.conditions as Json[])[0],
        { ...(final.conditions as Json[])[1], reason: 'ReplicaSetUpdated', message: 'ReplicaSet is progressing.' },
      ],
    });
    const steps: Json[] = [unobserved];
    if (templateChanged) {
      for (let i = 1; i < target; i += 1)
        steps.push(
          progressing({ updatedReplicas: i, replicas: target + 1, availableReplicas: target, readyReplicas: target }),
        );
      steps.push(
        progressing({
          updatedReplicas: target,
          replicas: target + 1,
          availableReplicas: target,
          readyReplicas: target,
        }),
      );
    } else if (target > ((was.availableReplicas as number) ?? 0)) {
      steps.push(
        progressing({
          updatedReplicas: target,
          replicas: target,
          availableReplicas: was.availableReplicas,
          readyReplicas: was.availableReplicas,
        }),
      );
    }
    if (fake.rollout === 'stall') return [unobserved, steps[1] ?? progressing({ availableReplicas: 0 })];
    if (fake.rollout === 'deadline') {
      const stuck = steps[1] ?? progressing({ availableReplicas: 0 });
      return [
        unobserved,
        {
          ...stuck,
          conditions: [
            (final.conditions as Json[])[0],
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet "${(d.metadata as Json).name as string}" has timed out progressing.`,
            },
          ],
        },
      ];
    }
    return [...steps, final];
  }

  /** Run the deployment controller's bookkeeping after a spec change. */
  function afterWrite(d: Json, before: Json): void {
    const spec = d.spec as Json;
    const templateChanged =
      canonical(templateWithoutHash(spec.template)) !== canonical(templateWithoutHash((before.spec as Json).template));
    const specChanged = canonical(spec) !== canonical(before.spec);
    const meta = d.metadata as Json;
    meta.resourceVersion = nextRv();
    if (!specChanged) return;
    meta.generation = (meta.generation as number) + 1;
    if (templateChanged) {
      const list = replicaSets.get(meta.namespace as string) ?? [];
      const owned = list.filter((rs) =>
        ((rs.metadata as Json).ownerReferences as Json[]).some((o) => o.uid === meta.uid),
      );
      const max = Math.max(0, ...owned.map((rs) => Number(((rs.metadata as Json).annotations as Json)[REVISION])));
      const existing = owned.find(
        (rs) =>
          canonical(templateWithoutHash((rs.spec as Json).template)) === canonical(templateWithoutHash(spec.template)),
      );
      if (existing) {
        ((existing.metadata as Json).annotations as Json)[REVISION] = String(max + 1);
      } else {
        list.push(rsFor(d, spec.template as Json, max + 1, spec.replicas as number));
        replicaSets.set(meta.namespace as string, list);
      }
      meta.annotations = { ...((meta.annotations as Json) ?? {}), [REVISION]: String(max + 1) };
    }
    const steps = rolloutSteps(d, before, templateChanged);
    d.status = steps[0];
    pending.set(key(meta.namespace as string, meta.name as string), steps.slice(1));
  }

  function addDeployment(seed: DeploymentSeed): Json {
    const labels = { app: seed.name };
    const template = {
      metadata: { labels: { ...labels }, annotations: {} as Record<string, string> },
      spec: {
        containers: [
          {
            name: seed.name,
            image: seed.image,
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            resources: { limits: { cpu: '500m', memory: '256Mi' } },
          },
        ],
        restartPolicy: 'Always',
      },
    };
    delete (template.metadata as { annotations?: unknown }).annotations;
    const d: Json = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: seed.name,
        namespace: seed.namespace,
        uid: `deploy-uid-${++uidCounter}`,
        resourceVersion: nextRv(),
        generation: seed.revision,
        creationTimestamp: '2024-05-01T09:00:00Z',
        labels: { ...labels },
        annotations: { [REVISION]: String(seed.revision), ...(seed.annotations ?? {}) },
      },
      spec: {
        replicas: seed.replicas,
        selector: { matchLabels: { ...labels } },
        template,
        strategy: seed.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        ...(seed.paused ? { paused: true } : {}),
      },
    };
    d.status = settledStatus(d);
    const list = replicaSets.get(seed.namespace) ?? [];
    for (let r = 1; r <= seed.revision; r += 1) {
      const t = clone(template);
      t.spec.containers[0].image = r === seed.revision ? seed.image : `${seed.image.replace(/:[^:]*$/, '')}:v${r}`;
      const rs = rsFor(d, t, r, r === seed.revision ? seed.replicas : 0);
      const created = seed.revisionTimes?.[r - 1];
      if (created) (rs.metadata as Json).creationTimestamp = created;
      if (r !== seed.revision) (rs.status as Json).replicas = 0;
      list.push(rs);
    }
    replicaSets.set(seed.namespace, list);
    deployments.set(key(seed.namespace, seed.name), d);
    return d;
  }

  function handle(req: RecordedKubeRequest, res: ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${token}`)
      return sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const failure = failures.find(
      (f) =>
        (f.method === undefined || f.method === req.method) &&
        (f.path === undefined || (typeof f.path === 'string' ? req.path.endsWith(f.path) : f.path.test(req.path))),
    );
    if (failure) return sendJson(res, failure.status, status(failure.status, failure.reason, failure.message));

    let m: RegExpExecArray | null;
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(req.path)) && req.method === 'GET') {
      return sendJson(res, 200, {
        kind: 'EventList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(resourceVersion) },
        items: events.get(m[1]) ?? [],
      });
    }
    if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets$/.exec(req.path)) && req.method === 'GET') {
      const selector = req.query.labelSelector ?? '';
      const items: Json[] = [];
      for (const rs of replicaSets.get(m[1]) ?? []) {
        const ok = selectorMatches(selector, ((rs.metadata as Json).labels as Record<string, string>) ?? {});
        if (typeof ok === 'string') return sendJson(res, 400, status(400, 'BadRequest', ok));
        if (ok) items.push(rs);
      }
      return sendJson(res, 200, {
        kind: 'ReplicaSetList',
        apiVersion: 'apps/v1',
        metadata: { resourceVersion: String(resourceVersion) },
        items,
      });
    }
    if (!(m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(req.path))) {
      return sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const [, namespace, name, scale] = m;
    const d = deployments.get(key(namespace, name));
    if (!d)
      return sendJson(
        res,
        404,
        status(404, 'NotFound', `deployments.apps "${name}" not found`, { name, group: 'apps', kind: 'deployments' }),
      );

    if (req.method === 'GET') {
      sendJson(res, 200, scale ? scaleOf(d) : d);
      const steps = pending.get(key(namespace, name));
      if (!scale && steps && steps.length > 0) {
        // The controller moves one step between polls; a stalled rollout keeps its last step.
        d.status = steps.length > 1 || fake.rollout === 'progress' ? steps.shift() : steps[0];
      }
      return;
    }
    if (req.method !== 'PATCH')
      return sendJson(
        res,
        405,
        status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`),
      );

    const contentType = (req.contentType ?? '').split(';')[0].trim();
    if (!PATCH_TYPES.includes(contentType)) {
      return sendJson(
        res,
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
        ),
      );
    }
    if (typeof req.body === 'string' || req.body === undefined)
      return sendJson(res, 400, status(400, 'BadRequest', 'the body of the request was not valid JSON'));
    const shape = notKubectlShape(scale ? 'scale' : 'deployment', contentType, req.query, req.body);
    if (shape) return sendJson(res, 422, status(422, 'Invalid', `fake-kube: not kubectl's request: ${shape}`));

    const before = clone(d);
    if (scale) {
      (d.spec as Json).replicas = (req.body as { spec: { replicas: number } }).spec.replicas;
    } else if (contentType === 'application/json-patch+json') {
      const error = applyJsonPatch(d, req.body);
      if (error) {
        deployments.set(key(namespace, name), before);
        return sendJson(res, 422, status(422, 'Invalid', error));
      }
    } else {
      mergeMaps(d, req.body as Json);
    }
    const templateLabels = (((d.spec as Json).template as Json).metadata as Json)?.labels as
      Record<string, string> | undefined;
    const selector = ((d.spec as Json).selector as { matchLabels: Record<string, string> }).matchLabels;
    if (Object.entries(selector).some(([k, v]) => templateLabels?.[k] !== v)) {
      deployments.set(key(namespace, name), before);
      return sendJson(
        res,
        422,
        status(
          422,
          'Invalid',
          `Deployment.apps "${name}" is invalid: spec.template.metadata.labels: ` +
            `Invalid value: ${JSON.stringify(templateLabels ?? {})}: ` +
            `\`selector\` does not match template \`labels\``,
        ),
      );
    }
    afterWrite(d, before);
    return sendJson(res, 200, scale ? scaleOf(d) : d);
  }

  function scaleOf(d: Json): Json {
    const meta = d.metadata as Json;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        creationTimestamp: meta.creationTimestamp,
      },
      spec: { replicas: (d.spec as Json).replicas },
      status: { replicas: (d.status as Json).replicas, selector: `app=${meta.name as string}` },
    };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const recorded: RecordedKubeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        contentType: req.headers['content-type'],
        body,
        headers: req.headers,
      };
      requests.push(recorded);
      try {
        handle(recorded, res);
      } catch (err) {
        sendJson(
          res,
          500,
          status(500, 'InternalError', `fake-kube failed: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
    });
  });
  const { port, close } = await listenOnLoopback(server);

  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    deployment: (namespace: string, name: string) => deployments.get(key(namespace, name)),
    replicaSets: (namespace: string) => replicaSets.get(namespace) ?? [],
    addDeployment,
    addForeignReplicaSet(
      namespace: string,
      name: string,
      labels: Record<string, string>,
      revision: number,
      image: string,
    ) {
      const list = replicaSets.get(namespace) ?? [];
      list.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace,
          uid: `rs-uid-${++uidCounter}`,
          labels,
          annotations: { [REVISION]: String(revision) },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'someone-else', uid: 'other-uid', controller: true },
          ],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'x', image }] } },
        },
        status: { replicas: 0 },
      });
      replicaSets.set(namespace, list);
    },
    addEvent(namespace: string, event: Json) {
      const list = events.get(namespace) ?? [];
      list.push({
        apiVersion: 'v1',
        kind: 'Event',
        ...event,
        metadata: { name: `ev-${++uidCounter}`, namespace, uid: `ev-uid-${uidCounter}`, ...(event.metadata as Json) },
      });
      events.set(namespace, list);
    },
    fail(failure: FakeFailure) {
      failures.push(failure);
    },
    close,
  });
}

type KubernetesClient = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

/**
 * The real @kubernetes/client-node, loaded by Node's own require (which loads ES modules since
 * Node 20.19). Jest's module system cannot load ES modules from CommonJS tests before Node 24.9,
 * so a test routes the package here: jest.mock('@kubernetes/client-node', () => loadKubernetesClient()).
 * Nothing is faked: it is the same package the service loads in production.
 */
export function loadKubernetesClient(): KubernetesClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeModule = require('node:module') as { _load(request: string, parent: unknown): unknown };
  return nodeModule._load(require.resolve('@kubernetes/client-node'), null) as KubernetesClient;
}

/** A KubeConfig for the fake: plain HTTP (skipTLSVerify, as the client requires for http:) and a token user. */
export function kubeConfigFor(k8s: KubernetesClient, server: string, token: string): KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'bot', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'bot', namespace: 'default' }],
    currentContext: 'fake',
  });
  return kc;
}
