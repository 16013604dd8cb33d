import type { App } from '../../src/app/control';
import { combineChangeSources } from '../../src/changes/combined';
import { buildActionCatalog } from '../../src/remediation/catalog';
import { createRemediationChangeSource, kubernetesTargets } from '../../src/remediation/changes';
import { RemediationStore } from '../../src/remediation/store';
import { NOW, sayTo, testApp } from '../helpers/app';

describe('the remediation change source', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  it('lists a remediation the bot ran, as a scale with who asked and the outcome', async () => {
    const said = await sayTo(app, '/ops scale payments 4', 'olivia');
    expect(said.text()).toContain('from 3 to 4');
    const source = createRemediationChangeSource(new RemediationStore(app.store.db));
    const events = await source.events({ fromMs: NOW - 60_000, toMs: NOW + 60_000, service: 'payments' });
    expect(events).toEqual([
      expect.objectContaining({
        atMs: NOW,
        service: 'payments',
        kind: 'scale',
        source: 'remediation',
        summary: expect.stringMatching(
          /^scale to 4 of payments by the bot \(request r[0-9a-f]{6}, asked by .*\): succeeded$/,
        ),
        detail: expect.objectContaining({ action: 'scale', outcome: 'succeeded', replicas: 4, executor: 'demo' }),
      }),
    ]);
    expect(await source.events({ fromMs: NOW - 60_000, toMs: NOW + 60_000, service: 'search' })).toEqual([]);
    expect(await source.events({ fromMs: NOW - 120_000, toMs: NOW - 60_000 })).toEqual([]);
    // Combined with a source that fails, it still answers.
    const combined = combineChangeSources([
      source,
      { kind: 'kubernetes', events: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    ]);
    const report = await combined.report({ fromMs: NOW - 60_000, toMs: NOW + 60_000 });
    expect(report.events.map((e) => e.kind)).toEqual(['scale']);
    expect(report.problems).toEqual([{ source: 'kubernetes', message: 'connect ECONNREFUSED' }]);
    expect((await combined.events({ fromMs: NOW - 60_000, toMs: NOW + 60_000 })).length).toBe(1);
  });
});

describe('combined change sources', () => {
  it('rejects only when every source failed', async () => {
    const combined = combineChangeSources([
      { kind: 'kubernetes', events: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    ]);
    await expect(combined.events({ fromMs: 0, toMs: 1 })).rejects.toMatchObject({
      code: 'unavailable',
      message: 'No change source could answer: kubernetes: connect ECONNREFUSED',
    });
  });

  it('merges newest first and applies the limit', async () => {
    const at = (service: string, ...times: number[]) => ({
      kind: service,
      events: async () =>
        times.map((atMs) => ({
          atMs,
          service,
          kind: 'deploy' as const,
          source: service,
          summary: `${service}@${atMs}`,
        })),
    });
    const combined = combineChangeSources([at('a', 9, 5, 1), at('b', 8, 6, 2)]);
    const events = await combined.events({ fromMs: 0, toMs: 10, limit: 4 });
    expect(events.map((e) => e.summary)).toEqual(['a@9', 'b@8', 'b@6', 'a@5']);
  });
});

describe('kubernetesTargets', () => {
  it('maps services to the Deployments the action catalog binds, a default binding naming it after the service', () => {
    const catalog = buildActionCatalog({
      actions: {
        restart: {
          risk: 'medium',
          approvals: 1,
          targets: {
            payments: { kind: 'kubernetes', namespace: 'shop', deployment: 'payments-v2' },
            default: { kind: 'kubernetes', namespace: 'web' },
          },
        },
      },
    });
    expect(kubernetesTargets(catalog, ['payments', 'search'])).toEqual([
      { service: 'payments', namespace: 'shop', deployment: 'payments-v2' },
      { service: 'search', namespace: 'web', deployment: 'search' },
    ]);
  });
});
