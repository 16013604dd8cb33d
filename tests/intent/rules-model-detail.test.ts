import { parseRules } from '../../src/intent/rules';

describe('rules: show_model and compare_models', () => {
  it.each([
    ['model payments-detector', 'payments-detector'],
    ['/ops model payments-detector', 'payments-detector'],
    ['show me the payments-detector model', 'payments-detector'],
    ['how is checkout-api-detector doing', 'checkout-api-detector'],
    ["how's orders-detector doing?", 'orders-detector'],
    ['what does the payments-detector model look like?', 'payments-detector'],
  ])('%s -> show_model', (text, model) => {
    const got = parseRules(text);
    expect(got.intent).toBe('show_model');
    expect(got.slots).toEqual({ model });
    expect(got.missing).toEqual([]);
  });

  it.each([
    ['compare payments-detector 2 3', 'payments-detector', 2, 3],
    ['compare v2 and v3 of payments-detector', 'payments-detector', 2, 3],
    ['compare version 1 and version 4 of the orders-detector model', 'orders-detector', 1, 4],
    ['/ops compare checkout-api-detector 3 1', 'checkout-api-detector', 3, 1],
  ])('%s -> compare_models', (text, model, a, b) => {
    const got = parseRules(text);
    expect(got.intent).toBe('compare_models');
    expect(got.slots).toEqual({ model, version_a: a, version_b: b });
  });

  it('asks for the versions a comparison lacks', () => {
    const got = parseRules('compare payments-detector versions');
    expect(got.intent).toBe('compare_models');
    expect(got.missing).toEqual(['version_a', 'version_b']);
  });

  it.each([
    ['how is payments doing', 'status'],
    ['show me the anomaly models', 'list_models'],
    ['list the detectors', 'list_models'],
    ['train payments-detector on the last 14 days', 'train_model'],
    ['promote payments-detector 3', 'promote_model'],
    ['rollback payments-detector', 'rollback_model'],
    ['scale payments-detector to 3', 'unknown'],
  ])('leaves %s alone (%s)', (text, intent) => {
    expect(parseRules(text).intent).toBe(intent);
  });

  it('never reads a model as something to remediate', () => {
    for (const text of [
      'compare payments-detector 2 3',
      'model payments-detector',
      'how is checkout-api-detector doing',
    ])
      expect(parseRules(text).intent).not.toBe('remediate');
  });
});
