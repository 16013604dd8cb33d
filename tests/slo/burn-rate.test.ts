import { BURN_HISTORY_S, burnRates } from '../../src/slo/burn-rate';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;

/** An error-ratio series at 1-minute steps over the last 3 days, `ratioAt(minutesAgo)`. */
function series(ratioAt: (minutesAgo: number) => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let m = BURN_HISTORY_S / 60; m >= 0; m--) out.push([NOW - m * MIN, ratioAt(m)]);
  return out;
}

describe('multi-window, multi-burn-rate', () => {
  it('does not fire while errors stay inside the budget', () => {
    const r = burnRates(
      series(() => 0.0005),
      NOW,
      0.999,
    );
    expect(r.rates[3600]).toBeCloseTo(0.5);
    expect(r.firing).toEqual([]);
  });

  it('pages on a fast burn in both the 1h and the 5m window', () => {
    const r = burnRates(
      series((m) => (m < 50 ? 0.05 : 0.0001)),
      NOW,
      0.999,
    );
    expect(r.rates[300]).toBeCloseTo(50);
    expect(r.firing[0]).toMatchObject({ rule: '2% of budget in 1h', severity: 'page' });
  });

  it('stops paging soon after the burn ends (the short window recovers)', () => {
    const r = burnRates(
      series((m) => (m >= 10 && m < 55 ? 0.05 : 0)),
      NOW,
      0.999,
    );
    expect(r.rates[3600]).toBeGreaterThan(14.4);
    expect(r.rates[300]).toBe(0);
    expect(r.firing.map((f) => f.rule)).not.toContain('2% of budget in 1h');
  });

  it('opens a ticket on a slow, steady burn', () => {
    const r = burnRates(
      series(() => 0.0015),
      NOW,
      0.999,
    );
    expect(r.firing).toEqual([expect.objectContaining({ rule: '10% of budget in 3d', severity: 'ticket' })]);
  });

  it('rejects an impossible target', () => {
    expect(() => burnRates([], NOW, 1)).toThrow(/between 0 and 1/);
  });
});
