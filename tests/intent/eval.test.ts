import { evaluate, loadFixtures } from '../../bench/eval-intent';
import { parseRules } from '../../src/intent/rules';

describe('rules parser on the labelled utterances', () => {
  it('is at least 95% right on intents and never turns talk into a remediation (tests/fixtures/intents.jsonl)', () => {
    const cases = loadFixtures('intents.jsonl');
    expect(cases.length).toBeGreaterThanOrEqual(250);
    const report = evaluate(parseRules, cases);
    expect(report.falseRemediations).toEqual([]);
    expect(report.intentAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('never turns talk into a remediation on the held-out utterances either', () => {
    const report = evaluate(parseRules, loadFixtures('intents-holdout.jsonl'));
    expect(report.falseRemediations).toEqual([]);
  });
});
