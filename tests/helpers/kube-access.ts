import { createKubernetesChangeSource } from '../../src/changes/kubernetes';
import { createKubernetesExecutor } from '../../src/remediation/executors/kubernetes/executor';
import type { Binding, ExecuteOptions, RemediationRequest } from '../../src/remediation/types';
import { kubeConfigFor, loadKubernetesClient, type RecordedKubeRequest, startFakeKube } from './fake-kube';

/**
 * What the bot's Kubernetes clients ask of the API server, as RBAC sees it: the real executor
 * (plan, execute and verify of restart, scale and rollback) and the real change source run against
 * the fake API server (tests/helpers/fake-kube.ts), and each recorded request is turned into the
 * (apiGroup, resource[/subresource], verb) the API server's authorizer would check, following its
 * RequestInfo rules: GET of a named object is `get`, of a collection `list` (`watch` with ?watch),
 * PATCH `patch`, PUT `update`, POST `create`, DELETE `delete`.
 */
export function accessOf(r: RecordedKubeRequest): string {
  const parts = r.path.split('/').filter(Boolean);
  const [root, ...rest] = parts;
  const group = root === 'api' ? '' : rest.shift();
  rest.shift(); // the version
  if (rest[0] !== 'namespaces' || rest.length < 3) throw new Error(`not a namespaced request: ${r.path}`);
  const [, , resource, name, subresource] = rest;
  const verbs: Record<string, string> = { PATCH: 'patch', PUT: 'update', POST: 'create', DELETE: 'delete' };
  const verb =
    r.method === 'GET' ? (name ? 'get' : r.query.watch === 'true' ? 'watch' : 'list') : (verbs[r.method] ?? r.method);
  return `${group}/${subresource ? `${resource}/${subresource}` : resource}:${verb}`;
}

/** Every (apiGroup/resource:verb) a Role's rules grant, spelled like accessOf. */
export function grantsOf(rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>): string[] {
  const out = new Set<string>();
  for (const rule of rules)
    for (const group of rule.apiGroups)
      for (const resource of rule.resources) for (const verb of rule.verbs) out.add(`${group}/${resource}:${verb}`);
  return [...out].sort();
}

/** The access the bot's Kubernetes clients need in one namespace: every action, every read, once each. */
export async function botAccess(namespace = 'shop'): Promise<string[]> {
  const fake = await startFakeKube();
  try {
    fake.addDeployment({ namespace, name: 'checkout', replicas: 2, image: 'registry.local/checkout:v3', revision: 3 });
    const client = loadKubernetesClient();
    const kubeConfig = kubeConfigFor(client, fake.url, fake.token);
    const executor = createKubernetesExecutor({ kubeConfig, client, pollMs: 5 });
    const binding: Binding = { kind: 'kubernetes', namespace, deployment: 'checkout', rolloutTimeoutMs: 10_000 };
    const options: ExecuteOptions = { signal: new AbortController().signal, progress: () => undefined };
    const request = (action: RemediationRequest['action'], params: RemediationRequest['params'] = {}) => ({
      id: `req-${action}`,
      action,
      target: 'checkout',
      params,
      requestedBy: 'U1',
    });
    for (const [action, params] of [
      ['restart', {}],
      ['scale', { replicas: 4 }],
      ['rollback', {}],
    ] as const) {
      await executor.plan(request(action, params), binding);
      const result = await executor.execute(request(action, params), binding, options);
      if (!result.ok) throw new Error(`${action} against the fake API server failed: ${result.summary}`);
      await executor.verify?.(request(action, params), binding, options);
    }
    const changes = createKubernetesChangeSource({
      client,
      kubeConfig,
      targets: [{ service: 'checkout', namespace, deployment: 'checkout' }],
    });
    await changes.events({ fromMs: 0, toMs: Date.now() + 3_600_000 });
    const namespaces = new Set(fake.requests.map((r) => r.path.split('/namespaces/')[1]?.split('/')[0]));
    if (namespaces.size !== 1 || !namespaces.has(namespace))
      throw new Error(`requests outside namespace ${namespace}: ${[...namespaces].join(', ')}`);
    return [...new Set(fake.requests.map(accessOf))].sort();
  } finally {
    await fake.close();
  }
}
