import { parseRules } from '../../src/intent/rules';
import { proposalToIntent } from '../../src/intent/llm-tool';

/** list_experiments and the train_model extensions `params` / `seed` (chat flags). */
describe('rules: experiments and training flags', () => {
  it.each([
    ['experiments', {}],
    ['show experiments', {}],
    ['list training runs', {}],
    ['what have we trained', {}],
    ['what did we train for payments?', { service: 'payments' }],
    ['experiments payments', { service: 'payments' }],
    ['/ops experiments checkout-api-detector', { model: 'checkout-api-detector' }],
    ['experiments --model payments-detector', { model: 'payments-detector' }],
  ])('%s -> list_experiments %j', (text, slots) => {
    const r = parseRules(text);
    expect(r.intent).toBe('list_experiments');
    expect(r.slots).toEqual(slots);
  });

  it('reads --trees, --sample-size, --feature-window and --seed on a training; --window stays the window', () => {
    expect(parseRules('train payments 7d --trees 200 --seed 7')).toMatchObject({
      intent: 'train_model',
      slots: { service: 'payments', window_s: 604_800, params: { trees: 200 }, seed: 7 },
    });
    expect(parseRules('/ops train payments --window 2d --sample-size=64 --feature-window 32').slots).toEqual({
      service: 'payments',
      window_s: 172_800,
      params: { sampleSize: 64, window: 32 },
    });
    // not a whole number: left out, never guessed
    expect(parseRules('train payments --trees lots').slots).toEqual({ service: 'payments' });
  });

  it('never reads talk about experiments as an order, nor the flags as a remediation', () => {
    expect(parseRules("don't show experiments").intent).toBe('unknown');
    expect(parseRules('restart payments --trees 5').intent).toBe('remediate');
    expect(parseRules('what models do we have?').intent).toBe('list_models');
  });

  it('takes params and seed from the LLM tool call, checked by the contract', () => {
    const ok = proposalToIntent(
      JSON.stringify({
        intent: 'train_model',
        slots: { service: 'payments', params: { trees: 50 }, seed: '9' },
        confidence: 0.8,
      }),
    );
    expect(ok).toMatchObject({ ok: true, intent: { slots: { service: 'payments', params: { trees: 50 }, seed: 9 } } });
    const bad = proposalToIntent(
      JSON.stringify({ intent: 'train_model', slots: { params: { depth: 3 } }, confidence: 0.8 }),
    );
    expect(bad.ok).toBe(false);
    expect(proposalToIntent(JSON.stringify({ intent: 'list_experiments', slots: {}, confidence: 0.9 })).ok).toBe(true);
  });
});
