import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/errors';
import { createKubernetesExecutor } from '../../src/remediation/executors/kubernetes/executor';
import type { Binding, ExecuteOptions, Executor, RemediationRequest } from '../../src/remediation/types';
import { kubeConfigFor, loadKubernetesClient, startFakeKube, type FakeKube } from '../helpers/fake-kube';
import { closedPort } from '../helpers/fake-prometheus';

const NS = 'shop';
const NAME = 'checkout';
const DEPLOYMENT_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}`;
const CLOCK = new Date('2024-06-01T12:34:56.789Z');

let fake: FakeKube;
let kubeConfig: KubeConfig;
let executor: Executor;

const binding = (overrides: Partial<Extract<Binding, { kind: 'kubernetes' }>> = {}): Binding => ({
  kind: 'kubernetes',
  namespace: NS,
  deployment: NAME,
  rolloutTimeoutMs: 10_000,
  ...overrides,
});

const request = (
  action: RemediationRequest['action'],
  params: RemediationRequest['params'] = {},
  id = `req-${action}`,
): RemediationRequest => ({
  id,
  action,
  target: 'checkout',
  params,
  requestedBy: 'U123',
});

/** An executor whose clock steps 100 ms each time it is read: rollout deadlines pass without waiting on real time. */
function steppingExecutor(): Executor {
  let t = CLOCK.getTime();
  return createKubernetesExecutor({
    kubeConfig,
    client: loadKubernetesClient(),
    pollMs: 5,
    now: () => new Date((t += 100)),
  });
}

function run(signal = new AbortController().signal): ExecuteOptions & { messages: string[] } {
  const messages: string[] = [];
  return { signal, messages, progress: (m) => messages.push(m) };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

function expectSafeMessage(err: AppError): void {
  expect(err.message).not.toContain(fake.token);
  expect(err.message).not.toMatch(/\n\s+at /);
  expect(err.message).not.toContain('HTTP-Code');
  expect(err.userMessage).toBe(err.message);
}

beforeEach(async () => {
  fake = await startFakeKube();
  fake.addDeployment({
    namespace: NS,
    name: NAME,
    replicas: 3,
    image: 'registry.local/checkout:v3',
    revision: 3,
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}' },
  });
  // The real client, loaded by Node itself (jest cannot import() an ES module on Node 20; see fake-kube.ts).
  const client = loadKubernetesClient();
  kubeConfig = kubeConfigFor(client, fake.url, fake.token);
  executor = createKubernetesExecutor({ kubeConfig, client, pollMs: 5, now: () => CLOCK });
});

afterEach(async () => {
  await fake.close();
});

describe('restart (kubectl rollout restart)', () => {
  it('plans with GETs only and shows the exact patch, the state and the blast radius', async () => {
    const plan = await executor.plan(request('restart'), binding());

    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
    expect(fake.writes()).toEqual([]);
    expect(plan.executor).toBe('kubernetes');
    expect(plan.calls).toEqual([
      `GET ${DEPLOYMENT_PATH}`,
      `PATCH ${DEPLOYMENT_PATH}?fieldManager=kubectl-rollout (application/strategic-merge-patch+json) ` +
        '{"spec":{"template":{"metadata":{"annotations":' +
        '{"kubectl.kubernetes.io/restartedAt":"2024-06-01T12:34:56Z"}}}}}',
      `GET ${DEPLOYMENT_PATH} every 5ms until rolled out (at most 10s)`,
    ]);
    expect(plan.current).toMatchObject({
      replicas: 3,
      ready: 3,
      available: 3,
      revision: 3,
      image: 'registry.local/checkout:v3',
    });
    expect(plan.desired).toMatchObject({ replicas: 3, 'kubectl.kubernetes.io/restartedAt': '2024-06-01T12:34:56Z' });
    expect(plan.blastRadius).toBe(
      '3 pods of checkout in shop are replaced one at a time (maxUnavailable 25%, maxSurge 25%)',
    );
  });

  it('sends exactly kubectl’s strategic merge patch once, then waits for the rollout with progress', async () => {
    const options = run();
    const result = await executor.execute(request('restart'), binding(), options);

    const writes = fake.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      method: 'PATCH',
      path: DEPLOYMENT_PATH,
      query: { fieldManager: 'kubectl-rollout' },
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-06-01T12:34:56Z' } } },
        },
      },
    });
    expect(writes[0].headers.authorization).toBe(`Bearer ${fake.token}`);
    // Everything else is a GET of the deployment (read before, then rollout polls).
    expect(fake.requests.filter((r) => r.method === 'GET').every((r) => r.path === DEPLOYMENT_PATH)).toBe(true);

    expect(result.ok).toBe(true);
    expect(result.summary).toBe('Restarted deployment checkout in namespace shop; the rollout finished.');
    expect(options.messages).toEqual([
      'Restarted deployment checkout in namespace shop; waiting for the rollout',
      'rollout: waiting for deployment spec update to be observed',
      'rollout: 1 out of 3 new replicas have been updated',
      'rollout: 2 out of 3 new replicas have been updated',
      'rollout: 1 old replicas are pending termination',
      'rollout: deployment "checkout" successfully rolled out',
    ]);
    const after = fake.deployment(NS, NAME) as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
      metadata: { annotations: Record<string, string> };
    };
    expect(after.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe('2024-06-01T12:34:56Z');
    expect(after.metadata.annotations['deployment.kubernetes.io/revision']).toBe('4');
  });

  it('re-sends the same restartedAt for the same request id (a repeat is a no-op on the far side)', async () => {
    let t = CLOCK.getTime();
    const ticking = createKubernetesExecutor({
      kubeConfig,
      client: loadKubernetesClient(),
      pollMs: 5,
      now: () => new Date((t += 1000)),
    });
    const plan = await ticking.plan(request('restart', {}, 'same-id'), binding());
    await ticking.execute(request('restart', {}, 'same-id'), binding(), run());
    await ticking.execute(request('restart', {}, 'same-id'), binding(), run());

    const stamps = fake.writes().map((w) => JSON.stringify(w.body));
    expect(stamps).toHaveLength(2);
    expect(stamps[0]).toBe(stamps[1]);
    expect(plan.calls[1]).toContain(stamps[0]);
  });

  it('refuses to restart a paused deployment without writing', async () => {
    fake.addDeployment({
      namespace: NS,
      name: 'paused',
      replicas: 2,
      image: 'registry.local/paused:v1',
      revision: 1,
      paused: true,
    });
    const err = await rejection(executor.execute(request('restart'), binding({ deployment: 'paused' }), run()));
    expect(err.code).toBe('bad_request');
    expect(err.message).toMatch(/paused deployment paused in namespace shop/);
    expect(fake.writes()).toEqual([]);
  });
});

describe('scale (kubectl scale)', () => {
  it('plans the merge patch on the scale subresource, GETs only', async () => {
    const plan = await executor.plan(request('scale', { replicas: 5 }), binding());
    expect(fake.writes()).toEqual([]);
    expect(plan.calls[1]).toBe(`PATCH ${DEPLOYMENT_PATH}/scale (application/merge-patch+json) {"spec":{"replicas":5}}`);
    expect(plan.current).toMatchObject({ replicas: 3 });
    expect(plan.desired).toMatchObject({ replicas: 5 });
    expect(plan.blastRadius).toBe('2 pods of checkout in shop are started (3 -> 5); running pods are untouched');

    const down = await executor.plan(request('scale', { replicas: 1 }), binding());
    expect(down.blastRadius).toBe('2 pods of 3 of checkout in shop are stopped (3 -> 1)');
  });

  it('sends {"spec":{"replicas":N}} as a merge patch to /scale and waits until the pods are available', async () => {
    const options = run();
    const result = await executor.execute(request('scale', { replicas: 5 }), binding(), options);

    const writes = fake.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      method: 'PATCH',
      path: `${DEPLOYMENT_PATH}/scale`,
      query: {},
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    expect(result).toMatchObject({
      ok: true,
      summary: 'Scaled deployment checkout in namespace shop from 3 to 5 replicas; the rollout finished.',
    });
    expect(options.messages).toContain('rollout: 3 of 5 updated replicas are available');
    expect(options.messages[options.messages.length - 1]).toBe(
      'rollout: deployment "checkout" successfully rolled out',
    );
    expect((fake.deployment(NS, NAME) as { spec: { replicas: number } }).spec.replicas).toBe(5);
  });

  it('refuses a replica count that is not a whole number >= 0 before any call', async () => {
    const err = await rejection(executor.plan(request('scale', { replicas: -1 }), binding()));
    expect(err.code).toBe('bad_request');
    expect(fake.writes()).toEqual([]);
  });
});

describe('rollback (kubectl rollout undo)', () => {
  const previousTemplate = () => {
    const rs = fake
      .replicaSets(NS)
      .find(
        (r) =>
          (r.metadata as { annotations: Record<string, string> }).annotations['deployment.kubernetes.io/revision'] ===
          '2',
      )!;
    const template = structuredClone(
      (rs.spec as { template: { metadata: { labels: Record<string, string> } } }).template,
    );
    delete template.metadata.labels['pod-template-hash'];
    return { rs, template };
  };

  it('plans from the deployment and its own ReplicaSets, GETs only', async () => {
    fake.addForeignReplicaSet(NS, 'checkout-lookalike', { app: NAME }, 9, 'registry.local/evil:v9');
    const plan = await executor.plan(request('rollback'), binding());

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${DEPLOYMENT_PATH}`,
      `GET /apis/apps/v1/namespaces/${NS}/replicasets`,
    ]);
    expect(fake.requests[1].query).toEqual({ labelSelector: 'app=checkout' });
    expect(plan.current).toMatchObject({ revision: 3, image: 'registry.local/checkout:v3' });
    expect(plan.desired).toMatchObject({ revision: 2, image: 'registry.local/checkout:v2', replicas: 3 });
    expect(plan.calls[1]).toMatch(
      new RegExp(
        `^PATCH ${DEPLOYMENT_PATH} \\(application/json-patch\\+json\\) \\[\\{"op":"replace","path":"/spec/template"`,
      ),
    );
    expect(plan.blastRadius).toBe(
      '3 pods of checkout in shop are replaced one at a time (maxUnavailable 25%, maxSurge 25%), ' +
        'back to revision 2 (registry.local/checkout:v2)',
    );
  });

  it(
    'sends kubectl’s JSON patch: the previous template without pod-template-hash, ' +
      'and the annotations kubectl sets',
    async () => {
      fake.addForeignReplicaSet(NS, 'checkout-lookalike', { app: NAME }, 9, 'registry.local/evil:v9');
      const { rs, template } = previousTemplate();
      const options = run();
      const result = await executor.execute(request('rollback'), binding(), options);

      const writes = fake.writes();
      expect(writes).toHaveLength(1);
      expect(writes[0]).toMatchObject({
        method: 'PATCH',
        path: DEPLOYMENT_PATH,
        query: {},
        contentType: 'application/json-patch+json',
      });
      expect(writes[0].body).toEqual([
        { op: 'replace', path: '/spec/template', value: template },
        {
          op: 'replace',
          path: '/metadata/annotations',
          value: {
            // kept from the deployment (kubectl's annotationsToSkip)
            'deployment.kubernetes.io/revision': '3',
            'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}',
            // copied from the ReplicaSet, skip-list keys (desired-replicas, max-replicas, revision) left out
            'kubernetes.io/change-cause': 'deploy revision 2',
          },
        },
      ]);
      expect(result.ok).toBe(true);
      expect(result.summary).toBe(
        'Rolled back deployment checkout in namespace shop to revision 2 (registry.local/checkout:v2); ' +
          'the rollout finished.',
      );
      expect(options.messages[options.messages.length - 1]).toBe(
        'rollout: deployment "checkout" successfully rolled out',
      );
      // The controller re-labels the old ReplicaSet as the newest revision, as the real one does.
      expect(
        (rs.metadata as { annotations: Record<string, string> }).annotations['deployment.kubernetes.io/revision'],
      ).toBe('4');
    },
  );

  it('with no previous revision says so and writes nothing', async () => {
    fake.addDeployment({ namespace: NS, name: 'fresh', replicas: 2, image: 'registry.local/fresh:v1', revision: 1 });
    const err = await rejection(executor.execute(request('rollback'), binding({ deployment: 'fresh' }), run()));
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe(
      'No rollout history found for deployment fresh in namespace shop: there is no previous revision to roll back to.',
    );
    expect(fake.writes()).toEqual([]);

    await expect(executor.plan(request('rollback'), binding({ deployment: 'fresh' }))).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(fake.writes()).toEqual([]);
  });
});

describe('waiting for the rollout (kubectl rollout status)', () => {
  it('gives up at rolloutTimeoutMs with ok=false and what it was waiting for', async () => {
    fake.rollout = 'stall';
    const options = run();
    const result = await steppingExecutor().execute(request('restart'), binding({ rolloutTimeoutMs: 2000 }), options);
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      'Restarted deployment checkout in namespace shop, but the rollout did not finish within 2s ' +
        '(1 out of 3 new replicas have been updated).',
    );
    expect(options.messages).toEqual([
      'Restarted deployment checkout in namespace shop; waiting for the rollout',
      'rollout: waiting for deployment spec update to be observed',
      'rollout: 1 out of 3 new replicas have been updated',
    ]);
    expect(fake.writes()).toHaveLength(1);
  });

  it('stops at ProgressDeadlineExceeded with ok=false', async () => {
    fake.rollout = 'deadline';
    const result = await executor.execute(request('scale', { replicas: 6 }), binding(), run());
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(
      new RegExp(
        String.raw`^Scaled deployment checkout in namespace shop from 3 to 6 replicas, but the rollout failed: ` +
          String.raw`deployment "checkout" exceeded its progress deadline: ` +
          String.raw`ReplicaSet "checkout" has timed out progressing\.$`,
      ),
    );
  });

  it('stops when the signal aborts, saying the change was already applied', async () => {
    fake.rollout = 'stall';
    const controller = new AbortController();
    const options = run(controller.signal);
    options.progress = (m) => {
      options.messages.push(m);
      if (m.startsWith('rollout: 1 out of 3')) controller.abort();
    };
    const err = await rejection(executor.execute(request('restart'), binding(), options));
    expect(err.code).toBe('job_cancelled');
    expect(err.message).toBe(
      'Cancelled while waiting for the rollout of deployment checkout in namespace shop; ' +
        'the change was already applied and the rollout continues in the cluster.',
    );
    expect(fake.writes()).toHaveLength(1);
  });

  it('writes nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(executor.execute(request('restart'), binding(), run(controller.signal)));
    expect(err.code).toBe('job_cancelled');
    expect(fake.requests).toEqual([]);
  });

  it('verify is the rollout status check alone', async () => {
    await expect(executor.verify!(request('restart'), binding(), run())).resolves.toEqual({
      ok: true,
      summary: 'deployment checkout in namespace shop: deployment "checkout" successfully rolled out.',
    });
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);

    fake.rollout = 'stall';
    await steppingExecutor().execute(request('restart'), binding({ rolloutTimeoutMs: 1000 }), run());
    const verdict = await executor.verify!(request('restart'), binding(), run());
    expect(verdict.ok).toBe(false);
    expect(verdict.summary).toBe(
      'deployment checkout in namespace shop has not rolled out: 1 out of 3 new replicas have been updated.',
    );
  });
});

describe('API errors', () => {
  it('404: names the deployment, the namespace and the status', async () => {
    const err = await rejection(executor.plan(request('restart'), binding({ deployment: 'nope' })));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe(
      'Kubernetes refused to read deployment nope in namespace shop (404 Not Found): ' +
        'deployments.apps "nope" not found.',
    );
    expectSafeMessage(err);
  });

  it('403 on the write: RBAC message, no token, nothing else written', async () => {
    fake.fail({
      method: 'PATCH',
      status: 403,
      reason: 'Forbidden',
      message:
        'deployments.apps "checkout" is forbidden: User "system:serviceaccount:ops:smartcloudops" cannot patch ' +
        'resource "deployments" in API group "apps" in the namespace "shop"',
    });
    const err = await rejection(executor.execute(request('restart'), binding(), run()));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe(
      'Kubernetes refused to patch deployment checkout in namespace shop (403 Forbidden): ' +
        'deployments.apps "checkout" is forbidden: User "system:serviceaccount:ops:smartcloudops" cannot patch ' +
        'resource "deployments" in API group "apps" in the namespace "shop".',
    );
    expectSafeMessage(err);
  });

  it('409 conflict maps to conflict', async () => {
    fake.fail({
      method: 'PATCH',
      status: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on deployments.apps "checkout": the object has been modified',
    });
    const err = await rejection(executor.execute(request('scale', { replicas: 4 }), binding(), run()));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/^Kubernetes refused to patch deployment checkout in namespace shop \(409 Conflict\)/);
  });

  it('a wrong token is 401 unauthorized, and the token is not in the message', async () => {
    const wrong = createKubernetesExecutor({
      kubeConfig: kubeConfigFor(loadKubernetesClient(), fake.url, 'not-the-token'),
      client: loadKubernetesClient(),
      pollMs: 5,
    });
    const err = await rejection(wrong.plan(request('restart'), binding()));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toBe('Kubernetes refused to read deployment checkout in namespace shop (401 Unauthorized).');
    expect(err.message).not.toContain('not-the-token');
  });

  it('connection refused: unavailable, naming the server and the deployment', async () => {
    const port = await closedPort();
    const down = createKubernetesExecutor({
      kubeConfig: kubeConfigFor(loadKubernetesClient(), `http://127.0.0.1:${port}`, fake.token),
      client: loadKubernetesClient(),
      pollMs: 5,
    });
    const err = await rejection(down.plan(request('restart'), binding()));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(
      `Could not reach the Kubernetes API at http://127.0.0.1:${port} to read deployment checkout in namespace ` +
        'shop (ECONNREFUSED).',
    );
    expectSafeMessage(err);
  });
});

describe('what is not a Kubernetes action', () => {
  it.each(['clear_cache', 'runbook'] as const)('%s is refused by plan and execute without any call', async (action) => {
    await expect(executor.plan(request(action), binding())).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining(`${action} is not a Kubernetes action`),
    });
    await expect(executor.execute(request(action), binding(), run())).rejects.toMatchObject({ code: 'bad_request' });
    expect(fake.writes()).toEqual([]);
  });

  it('refuses options it cannot use, early', () => {
    expect(() => createKubernetesExecutor({ inCluster: true, kubeconfigPath: '/tmp/kubeconfig' })).toThrow(
      /either kubeconfigPath or inCluster/,
    );
    expect(() => createKubernetesExecutor({ pollMs: 0 })).toThrow(/pollMs/);
  });

  it('a missing kubeconfig file is a config error naming the file', async () => {
    const missing = createKubernetesExecutor({
      kubeconfigPath: '/nonexistent/kubeconfig',
      client: loadKubernetesClient(),
    });
    const err = await rejection(missing.plan(request('restart'), binding()));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toMatch(/^Could not load the Kubernetes config from \/nonexistent\/kubeconfig: /);
  });
});

describe('the fake API server refuses what the real one refuses', () => {
  it('415 for a body that is not a patch type, 422 for a patch not shaped like kubectl’s', async () => {
    const headers = (type: string) => ({ authorization: `Bearer ${fake.token}`, 'content-type': type });
    const wrongType = await fetch(`${fake.url}${DEPLOYMENT_PATH}`, {
      method: 'PATCH',
      headers: headers('application/json'),
      body: '{"spec":{"replicas":2}}',
    });
    expect(wrongType.status).toBe(415);
    const wrongShape = await fetch(`${fake.url}${DEPLOYMENT_PATH}/scale`, {
      method: 'PATCH',
      headers: headers('application/merge-patch+json'),
      body: '{"spec":{"replicas":2},"metadata":{}}',
    });
    expect(wrongShape.status).toBe(422);
    const jsonPatchOnScale = await fetch(`${fake.url}${DEPLOYMENT_PATH}/scale`, {
      method: 'PATCH',
      headers: headers('application/json-patch+json'),
      body: '[{"op":"replace","path":"/spec/replicas","value":2}]',
    });
    expect(jsonPatchOnScale.status).toBe(422);
    expect((fake.deployment(NS, NAME) as { spec: { replicas: number } }).spec.replicas).toBe(3);
  });
});

describe('the built executor, as `serve` loads it (native import() of the ESM client, kubeconfig file)', () => {
  it('plans against the API server named in a kubeconfig file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-kube-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'fake',
        clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'bot', user: { token: fake.token } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'bot', namespace: NS } }],
      }),
    );
    const dist = join(__dirname, '..', '..', 'dist', 'remediation', 'executors', 'kubernetes', 'executor.js');
    const script =
      `require(${JSON.stringify(dist)}).createKubernetesExecutor({ kubeconfigPath: ${JSON.stringify(file)} })
      .plan(` +
      `{ id: 'r000001', action: 'scale', target: '${NAME}', params: { replicas: 5 }, requestedBy: 'test' }, ` +
      `{ kind: 'kubernetes', namespace: '${NS}', deployment: '${NAME}', rolloutTimeoutMs: 5000 })
      .then((plan) => console.log(JSON.stringify(plan)), (err) => { console.error(err.message); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect([code, err]).toEqual([0, '']);
    const plan = JSON.parse(out) as { calls: string[]; current: { replicas: number }; desired: { replicas: number } };
    expect(plan.current.replicas).toBe(3);
    expect(plan.desired.replicas).toBe(5);
    expect(plan.calls.join('\n')).toContain(`PATCH ${DEPLOYMENT_PATH}/scale`);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  }, 30_000);
});
