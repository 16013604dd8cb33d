import { figures, loadScenarios, runScenario } from '../../bench/investigate/run';

// A few investigations, each scoring up to 30 series; jest's vm makes that several times slower.
jest.setTimeout(120_000);

describe('eval:investigate', () => {
  it('loads the developed-on and held-out scenarios: at least 40, each kind of case present', () => {
    const dev = loadScenarios('scenarios.yaml');
    const held = loadScenarios('holdout.yaml');
    const all = [...dev, ...held];
    expect(dev.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.map((s) => s.name)).size).toBe(all.length);
    expect(dev.some((s) => s.faults.length === 0 && s.expect === 'inconclusive')).toBe(true);
    expect(dev.some((s) => s.faults.length === 2)).toBe(true);
    expect(dev.some((s) => s.faults.some((f) => f.kind === 'deploy'))).toBe(true);
    expect(held.length).toBeGreaterThan(0);
  });

  it('scores scenarios: a fault found with its evidence, a red herring and a quiet fleet inconclusive', async () => {
    const wanted = ['payments-bad-deploy-asked-checkout', 'harmless-deploy-checkout', 'quiet-payments'];
    const scenarios = loadScenarios('scenarios.yaml').filter((s) => wanted.includes(s.name));
    const outcomes = [];
    for (const s of scenarios) outcomes.push(await runScenario(s, { learned: false }));
    expect(outcomes.map((o) => [o.scenario.name, o.got, o.right])).toEqual([
      ['payments-bad-deploy-asked-checkout', 'payments/bad_deploy', true],
      ['harmless-deploy-checkout', 'inconclusive', true],
      ['quiet-payments', 'inconclusive', true],
    ]);
    const f = figures(outcomes);
    expect(f).toMatchObject({ total: 3, top1: 1, answered: 1, accuracyWhenAnswered: 1, quietWrong: 0 });
    expect(f.inconclusiveRate).toBeCloseTo(2 / 3);
  });

  it('a wrong answer or missing evidence is not counted right', async () => {
    const [s] = loadScenarios('scenarios.yaml').filter((x) => x.name === 'payments-bad-deploy-asked-checkout');
    const wrongService = await runScenario({ ...s, expect: 'checkout-api/bad_deploy' }, { learned: false });
    expect(wrongService.right).toBe(false);
    const moreEvidence = await runScenario({ ...s, evidence: ['incidents'] }, { learned: false });
    expect(moreEvidence).toMatchObject({ right: false, missingEvidence: ['incidents'] });
  });
});
