import { createKubernetesChangeSource } from '../../src/changes/kubernetes';
import { kubeConfigFor, loadKubernetesClient, startFakeKube, type FakeKube } from '../helpers/fake-kube';

jest.mock('@kubernetes/client-node', () => loadKubernetesClient());

const T = (h: number, m = 0) => Date.UTC(2026, 10, 26, h, m, 0);
const rfc = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
let fake: FakeKube;

beforeEach(async () => {
  fake = await startFakeKube();
  fake.addDeployment({
    namespace: 'shop',
    name: 'payments',
    replicas: 3,
    image: 'registry.example/payments:v3',
    revision: 3,
    revisionTimes: [rfc(T(6)), rfc(T(8)), rfc(T(9, 20))],
  });
  fake.addDeployment({
    namespace: 'shop',
    name: 'search',
    replicas: 2,
    image: 'registry.example/search:v1',
    revision: 1,
  });
});
afterEach(() => fake.close());

function source() {
  const client = loadKubernetesClient();
  return createKubernetesChangeSource({
    client,
    kubeConfig: kubeConfigFor(client, fake.url, fake.token),
    targets: [
      { service: 'payments', namespace: 'shop', deployment: 'payments' },
      { service: 'search', namespace: 'shop', deployment: 'search' },
    ],
  });
}
const rsName = (revision: number): string => {
  const rs = fake
    .replicaSets('shop')
    .find(
      (r) =>
        (r.metadata as { annotations: Record<string, string> }).annotations['deployment.kubernetes.io/revision'] ===
          String(revision) && (r.metadata as { name: string }).name.startsWith('payments-'),
    );
  return (rs?.metadata as { name: string }).name;
};
const event = (reason: string, kind: string, name: string, atMs: number, message: string) => ({
  reason,
  message,
  type: reason === 'ScalingReplicaSet' ? 'Normal' : 'Warning',
  involvedObject: { kind, name, namespace: 'shop' },
  firstTimestamp: rfc(atMs),
  lastTimestamp: rfc(atMs),
  count: 1,
});

describe('the Kubernetes change source', () => {
  it('gives a rollout as deploy and an OOM kill as oom_kill, newest first, only for its service', async () => {
    fake.addEvent(
      'shop',
      event('OOMKilling', 'Pod', `${rsName(3)}-x7k2p`, T(9, 40), 'Memory cgroup out of memory: Killed process 4242'),
    );
    fake.addEvent(
      'shop',
      event('BackOff', 'Pod', `${rsName(3)}-x7k2p`, T(9, 41), 'Back-off restarting failed container'),
    );
    fake.addEvent('shop', event('OOMKilling', 'Pod', 'someone-else-abc-12345', T(9, 42), 'not ours'));
    const events = await source().events({ fromMs: T(7), toMs: T(10), service: 'payments' });
    expect(events.map((e) => [e.kind, e.atMs])).toEqual([
      ['restart', T(9, 41)],
      ['oom_kill', T(9, 40)],
      ['deploy', T(9, 20)],
      ['deploy', T(8)],
    ]);
    expect(events[2]).toMatchObject({
      service: 'payments',
      source: 'kubernetes',
      summary: 'deploy of payments: registry.example/payments:v3 (was registry.example/payments:v2)',
      detail: { namespace: 'shop', deployment: 'payments', revision: 3 },
    });
    // Read-only: nothing but GETs.
    expect(fake.writes()).toEqual([]);
  });

  it('sees a revision reusing an older ReplicaSet as a rollback, at its scale-up; limits newest first', async () => {
    const old = rsName(1);
    const meta = fake.replicaSets('shop').find((r) => (r.metadata as { name: string }).name === old)?.metadata as {
      annotations: Record<string, string>;
    };
    meta.annotations['deployment.kubernetes.io/revision'] = '4';
    fake.addEvent(
      'shop',
      event('ScalingReplicaSet', 'Deployment', 'payments', T(9, 50), `Scaled up replica set ${old} to 3`),
    );
    const events = await source().events({ fromMs: T(0), toMs: T(10), limit: 3 });
    expect(events.map((e) => [e.kind, e.service, e.atMs])).toEqual([
      ['rollback', 'payments', T(9, 50)],
      ['scale', 'payments', T(9, 50)],
      ['deploy', 'payments', T(9, 20)],
    ]);
    expect(events[0].summary).toBe(
      'rollback of payments to registry.example/payments:v1 (was registry.example/payments:v3)',
    );
  });

  it('rejects with the server named when the API cannot answer', async () => {
    fake.fail({ path: '/events', status: 403, reason: 'Forbidden', message: 'events is forbidden' });
    await expect(source().events({ fromMs: T(0), toMs: T(10) })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(fake.url),
    });
  });
});
