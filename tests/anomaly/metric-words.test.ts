import { signalsFor } from '../../src/anomaly/metric-words';
import { GOLDEN_SIGNALS } from '../../src/sources/types';

describe('signalsFor', () => {
  it.each([
    ['p99 latency', 'latency_p99'],
    ['latency', 'latency_p99'],
    ['median latency', 'latency_p50'],
    ['error rate', 'error_rate'],
    ['5xx', 'error_rate'],
    ['traffic', 'request_rate'],
    ['rps', 'request_rate'],
    ['cpu', 'cpu'],
    ['memory', 'memory'],
    ['heap', 'memory'],
    ['latency_p50', 'latency_p50'],
  ])('maps “%s” to %s', (words, signal) => {
    expect(signalsFor(words)).toEqual([signal]);
  });

  it('means every golden signal when no metric is named, and none for unknown words', () => {
    expect(signalsFor(undefined)).toEqual([...GOLDEN_SIGNALS]);
    expect(signalsFor('')).toEqual([...GOLDEN_SIGNALS]);
    expect(signalsFor('disk inodes')).toEqual([]);
  });
});
