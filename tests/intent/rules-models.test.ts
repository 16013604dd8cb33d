import { intentSchema, type Intent } from '../../src/intent/schema';
import { parseRules } from '../../src/intent/rules';

/** Issue 15 point 10: how people talk about models, and a model name is never a remediation target. */

type Case = [text: string, intent: Intent['intent'], slots: Record<string, unknown>];

function expectParse([text, intent, slots]: Case): Intent {
  const got = parseRules(text);
  expect({ text, intent: got.intent, slots: got.slots }).toEqual({ text, intent, slots });
  expect(intentSchema.parse(got)).toEqual(got);
  return got;
}

describe('rules parser: training a model', () => {
  it.each<Case>([
    ['train a model for payments on the last 7 days', 'train_model', { service: 'payments', window_s: 604800 }],
    ['/ops train payments 7d', 'train_model', { service: 'payments', window_s: 604800 }],
    ['train payments', 'train_model', { service: 'payments' }],
    ['retrain checkout-api-detector', 'train_model', { model: 'checkout-api-detector' }],
    ['/ops train payments-detector 7d', 'train_model', { model: 'payments-detector', window_s: 604800 }],
    ['retrain the checkout model', 'train_model', { model: 'checkout' }],
  ])('%s', (...c) => {
    expectParse(c);
  });

  it('reads window_s as whole seconds', () => {
    const got = parseRules('/ops train payments 7d');
    expect(got.slots).toMatchObject({ window_s: 604800 });
    expect(Number.isInteger((got.slots as { window_s: number }).window_s)).toBe(true);
  });
});

describe('rules parser: listing models', () => {
  it.each<Case>([
    ['what models do we have?', 'list_models', {}],
    ['list models', 'list_models', {}],
    ['show me the detectors', 'list_models', {}],
    ['which detectors are there?', 'list_models', {}],
  ])('%s', (...c) => {
    expectParse(c);
  });
});

describe('rules parser: promoting a version', () => {
  it.each<Case>([
    ['make v3 of checkout-api-detector the champion', 'promote_model', { model: 'checkout-api-detector', version: 3 }],
    ['promote payments-detector 3', 'promote_model', { model: 'payments-detector', version: 3 }],
    ['promote version 2 of payments-detector', 'promote_model', { model: 'payments-detector', version: 2 }],
    [
      'can you make version 4 of payments-detector the champion',
      'promote_model',
      { model: 'payments-detector', version: 4 },
    ],
  ])('%s', (...c) => {
    expectParse(c);
  });

  it('keeps a clear promotion with a missing slot, and names the slot in `missing`', () => {
    const got = expectParse(['promote payments-detector', 'promote_model', { model: 'payments-detector' }]);
    expect(got.missing).toEqual(['version']);
    const champion = expectParse([
      'make payments-detector the champion',
      'promote_model',
      { model: 'payments-detector' },
    ]);
    expect(champion.missing).toEqual(['version']);
  });

  it('reads the version as an integer and the name lower-case as written', () => {
    const got = parseRules('promote Payments-Detector v3');
    expect(got.slots).toEqual({ model: 'payments-detector', version: 3 });
  });
});

describe('rules parser: rolling back a model', () => {
  it.each<Case>([
    ['go back to the last payments model', 'rollback_model', { model: 'payments' }],
    ['rollback payments-detector', 'rollback_model', { model: 'payments-detector' }],
    ['roll back the checkout model', 'rollback_model', { model: 'checkout' }],
    ['/ops rollback payments-detector', 'rollback_model', { model: 'payments-detector' }],
    ['revert to the previous payments model', 'rollback_model', { model: 'payments' }],
    ['switch the checkout model back', 'rollback_model', { model: 'checkout' }],
  ])('%s', (...c) => {
    expectParse(c);
  });

  it('asks for the model when none is named', () => {
    const got = expectParse(['go back to the previous model', 'rollback_model', {}]);
    expect(got.missing).toEqual(['model']);
  });
});

describe('rules parser: a service rollback is a remediation, a model rollback is not', () => {
  it.each<Case>([
    // a plain service name, no model words: the remediation, as before issue 15
    ['rollback checkout-api', 'remediate', { action: 'rollback', target: 'checkout-api' }],
    ['roll back payments', 'remediate', { action: 'rollback', target: 'payments' }],
    // the word model/detector, or a `-detector` name: the model
    ['rollback the checkout-api model', 'rollback_model', { model: 'checkout-api' }],
    ['rollback checkout-api-detector', 'rollback_model', { model: 'checkout-api-detector' }],
    ['rollback checkout-api --model checkout-api-detector', 'rollback_model', { model: 'checkout-api-detector' }],
  ])('%s', (...c) => {
    expectParse(c);
  });

  it.each([
    'restart the payments model',
    'restart payments-detector',
    'scale payments-detector to 3',
    'restart the anomaly detector',
    'flush the cache of checkout-api-detector',
  ])('never makes a model the target of a remediation: %s', (text) => {
    const got = parseRules(text);
    expect(got.intent).not.toBe('remediate');
    expect(got.intent).toBe('unknown');
  });
});

describe('rules parser: questions, negations and reports about models are never orders', () => {
  it.each<Case>([
    ['how do I promote a model?', 'help', { topic: 'promote' }],
    ['how do I roll back a model?', 'help', { topic: 'rollback' }],
    ["don't promote v3", 'unknown', {}],
    ['who promoted v3?', 'unknown', {}],
    ['who promoted v3 of payments-detector?', 'unknown', {}],
    ['v3 was promoted yesterday', 'unknown', {}],
    ["don't rollback payments-detector", 'unknown', {}],
    ['who rolled back payments-detector?', 'unknown', {}],
    ['if we roll back payments-detector what happens', 'unknown', {}],
    ["don't make v3 the champion", 'unknown', {}],
    ['should we make v3 of payments-detector the champion?', 'unknown', {}],
  ])('%s', (...c) => {
    const got = expectParse(c);
    expect(['promote_model', 'rollback_model', 'remediate']).not.toContain(got.intent);
  });
});
