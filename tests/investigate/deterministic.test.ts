import { DemoChangeSource } from '../../src/changes/demo';
import { investigateDeterministic } from '../../src/investigate/deterministic/investigate';
import type { InvestigationQuestion } from '../../src/investigate/deterministic/observations';
import { DemoFleet } from '../../src/sources/demo/fleet';
import type { DemoFaultSpec } from '../../src/sources/demo/faults';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 2, 2, 15, 20);

/** The demo fleet with DEMO_FAULTS, asked at NOW; `ago` is how long before NOW each fault started. */
async function ask(
  faults: Array<{ kind: DemoFaultSpec['kind']; service: string; ago: number }>,
  q: InvestigationQuestion,
) {
  const fleet = new DemoFleet({
    seed: 5,
    clock: () => NOW,
    faults: faults.map((f) => ({ kind: f.kind, service: f.service, start: { afterStartMs: -f.ago * MINUTE } })),
  });
  return investigateDeterministic(q, {
    metrics: fleet,
    changes: new DemoChangeSource(fleet),
    now: NOW,
    replicasOf: (s) => fleet.state(s).replicas,
  });
}

// Each investigation scores 30 series with the anomaly detector; jest's vm makes that several times slower.
jest.setTimeout(120_000);

const tools = (evidence: Array<{ tool: string }>) => new Set(evidence.map((e) => e.tool));

describe('the deterministic investigator on the demo fleet', () => {
  it('a bad deploy on payments, asked about checkout-api: payments/bad_deploy citing deploy, anomalies', async () => {
    const { json, summary } = await ask([{ kind: 'bad_deploy', service: 'payments', ago: 20 }], {
      service: 'checkout-api',
    });
    expect(json.verdict).toBe('root_cause');
    expect(json.root_cause).toMatchObject({ service: 'payments', kind: 'bad_deploy' });
    expect(json.root_cause?.confidence).toBeGreaterThanOrEqual(0.5);
    const top = json.hypotheses[0];
    expect([...tools(top.evidence)]).toEqual(expect.arrayContaining(['changes', 'service_anomalies']));
    expect(top.evidence.find((e) => e.tool === 'changes')?.claim).toMatch(/deployed payments/);
    // checkout-api's own symptoms are the spread, not a cause.
    const checkout = json.hypotheses.find((h) => h.service === 'checkout-api');
    expect(checkout === undefined || checkout.confidence < 0.5).toBe(true);
    expect(json.suggested_actions).toEqual([{ command: 'rollback payments' }]);
    expect(json).toMatchObject({ source: 'rules', tokens: 0, status: 'done', runbooks: [] });
    expect(json.duration_ms).toBeGreaterThanOrEqual(0);
    expect(summary).toMatch(/bad deploy on payments/);
  });

  it('a memory leak on inventory: inventory/memory_leak and a restart to try', async () => {
    const { json } = await ask([{ kind: 'memory_leak', service: 'inventory', ago: 75 }], { service: 'inventory' });
    expect(json.root_cause).toMatchObject({ service: 'inventory', kind: 'memory_leak' });
    expect([...tools(json.hypotheses[0].evidence)]).toEqual(expect.arrayContaining(['service_anomalies', 'changes']));
    expect(json.suggested_actions).toEqual([{ command: 'restart inventory' }]);
  });

  it('a quiet fleet is inconclusive, with nothing to suggest', async () => {
    const { json, summary } = await ask([], {});
    expect(json.verdict).toBe('inconclusive');
    expect(json.root_cause).toBeNull();
    expect(json.suggested_actions).toEqual([]);
    expect(summary).toMatch(/^Inconclusive/);
  });

  it('a harmless deploy is not blamed: alone it is inconclusive, beside a real fault the real one is', async () => {
    const alone = await ask([{ kind: 'deploy', service: 'checkout-api', ago: 20 }], { service: 'checkout-api' });
    expect(alone.json.verdict).toBe('inconclusive');
    expect(alone.summary).toMatch(/1 change in the window with no symptom/);
    const beside = await ask(
      [
        { kind: 'deploy', service: 'checkout-api', ago: 25 },
        { kind: 'config_change', service: 'payments', ago: 20 },
      ],
      { service: 'checkout-api' },
    );
    expect(beside.json.root_cause).toMatchObject({ service: 'payments', kind: 'config_change' });
  });

  it('an incident question looks from 30 minutes before its start', async () => {
    const { observations } = await ask([{ kind: 'traffic_surge', service: 'search', ago: 15 }], {
      incident: { id: 'i-1', service: 'search', startedAtMs: NOW - 10 * MINUTE },
    });
    expect(observations.window).toEqual({ fromMs: NOW - 40 * MINUTE, toMs: NOW });
    expect(observations.focus).toBe('search');
    expect(observations.services.map((s) => s.name).sort()).toEqual(['inventory', 'search']);
  });
});
