import { createKubernetesExecutor } from '../../src/remediation/executors/kubernetes/executor';
import { kubeConfigFor, loadKubernetesClient, startFakeKube } from '../helpers/fake-kube';
import { executorContract } from './executor.contract';

const START = Date.parse('2024-06-01T12:34:56.789Z');

executorContract(
  'Kubernetes (fake API server)',
  async () => {
    const fake = await startFakeKube();
    fake.addDeployment({
      namespace: 'shop',
      name: 'checkout',
      replicas: 3,
      image: 'registry.local/checkout:v3',
      revision: 3,
    });
    const client = loadKubernetesClient();
    let t = START;
    const executor = createKubernetesExecutor({
      kubeConfig: kubeConfigFor(client, fake.url, fake.token),
      client,
      pollMs: 5,
      now: () => new Date((t += 1000)), // a second per reading: a restart stamped anew would differ
    });
    return {
      executor,
      target: 'checkout',
      binding: (_action, target) => ({
        kind: 'kubernetes',
        namespace: 'shop',
        deployment: target,
        rolloutTimeoutMs: 600_000,
      }),
      // Each write as the plan describes it: method, path?query, (content type), body.
      effects: () =>
        fake.writes().map((w) => {
          const query = new URLSearchParams(w.query).toString();
          const path = `${w.path}${query ? `?${query}` : ''}`;
          return `${w.method} ${path} (${String(w.contentType)}) ${JSON.stringify(w.body)}`;
        }),
      reached: () => fake.requests.length,
      stall: () => void (fake.rollout = 'stall'),
      close: () => fake.close(),
    };
  },
  {
    kind: 'kubernetes',
    refuses: ['clear_cache', 'runbook'],
    verify: true,
    readsBeforeChecking: true,
    templatesParams: false,
    atomic: false,
  },
);
