import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHistory, fetchHistory, historySha256, historyWindow, type History } from '../../src/models/history';
import { minPointsFor, trainModel } from '../../src/models/train';
import { CsvSource } from '../../src/sources/csv';
import { DemoFleet } from '../../src/sources/demo';
import type { Signal } from '../../src/sources/types';
import { refusal } from '../helpers/rejection';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const SERVICE = 'payments';
const params = { trees: 8, sampleSize: 64, window: 32 };

function fleet(seed = 7) {
  return new DemoFleet({ seed, clock: () => NOW });
}

async function demoHistory(windowS = 86_400): Promise<History> {
  return fetchHistory(fleet(), { service: SERVICE, windowS, toMs: NOW });
}

describe('training history', () => {
  it('puts every golden signal of the service on one grid ending at the step before now', async () => {
    const h = await demoHistory();
    expect(h.window).toEqual({ fromMs: NOW - DAY, toMs: NOW, stepMs: MIN });
    expect(h.signals.map((s) => s.signal)).toEqual([
      'latency_p50',
      'latency_p99',
      'error_rate',
      'request_rate',
      'cpu',
      'memory',
    ]);
    for (const s of h.signals) {
      expect(s.values.length).toBe(1440);
      expect(s.points).toBe(1440);
    }
    expect(h.missing).toEqual([]);
  });

  it('hashes the same data to the same sha256, and other data to another', async () => {
    const a = historySha256(await demoHistory());
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(historySha256(await demoHistory())).toBe(a);
    const other = await fetchHistory(fleet(8), { service: SERVICE, windowS: 86_400, toMs: NOW });
    expect(historySha256(other)).not.toBe(a);
    const shorter = await demoHistory(86_400 - 3600);
    expect(historySha256(shorter)).not.toBe(a);
  });

  it('refuses windows out of bounds and unknown signals with the fix', async () => {
    expect(refusal(() => historyWindow({ windowS: 600, toMs: NOW })).message).toMatch(/1 hour.*30 days/);
    expect(refusal(() => historyWindow({ windowS: 31 * 86_400, toMs: NOW })).code).toBe('bad_request');
    expect(refusal(() => historyWindow({ windowS: 86_400, toMs: NOW, stepMs: 1500 })).message).toMatch(/step/);
    await expect(fetchHistory(fleet(), { service: SERVICE, toMs: NOW, signals: ['disk' as Signal] })).rejects.toThrow(
      /unknown signal “disk”/,
    );
  });

  it('refuses too little data, naming the signal and a longer window', async () => {
    const h = await demoHistory(3 * 3600);
    const err = refusal(() => checkHistory(h, { minPoints: minPointsFor(params) }));
    expect(err.code).toBe('bad_request');
    expect(err.message).toMatch(
      /too little data.*payments latency_p50 has 180 point\(s\).*at least 287.*longer window/,
    );
    await expect(trainModel(h, { params, seed: 1 })).rejects.toThrow(/too little data/);
  });

  describe('from CSV files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'sco-train-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function write(signal: string, rows: Array<[number, number]>) {
      mkdirSync(join(dir, SERVICE), { recursive: true });
      const lines = rows.map(([t, v]) => `${new Date(t).toISOString()},${v}`);
      writeFileSync(join(dir, SERVICE, `${signal}.csv`), ['timestamp,value', ...lines].join('\n'));
    }
    const day = (f: (i: number) => number) =>
      Array.from({ length: 1440 }, (_, i): [number, number] => [NOW - DAY + (i + 1) * MIN, f(i)]);

    it('refuses a gappy series with the share missing, and leaves out signals with no file', async () => {
      // Six hours out of the day missing: 25% of the grid.
      write(
        'latency_p99',
        day((i) => 100 + Math.sin(i / 10) * 5 + (i % 7)).filter((_, i) => i < 600 || i >= 960),
      );
      write(
        'cpu',
        day((i) => 0.4 + 0.1 * Math.sin(i / 30) + (i % 5) / 100),
      );
      const h = await fetchHistory(new CsvSource({ dir }), { service: SERVICE, windowS: 86_400, toMs: NOW });
      expect(h.signals.map((s) => s.signal)).toEqual(['latency_p99', 'cpu']);
      expect(h.missing).toEqual(['latency_p50', 'error_rate', 'request_rate', 'memory']);
      const err = refusal(() => checkHistory(h, { minPoints: minPointsFor(params) }));
      expect(err.message).toMatch(/too many gaps.*payments latency_p99 has no data for 25% of the 1440 60 s steps/);
      expect(err.message).toMatch(/at most 20% may be missing/);
    });

    it('refuses a constant series, suggesting to leave it out', async () => {
      write(
        'error_rate',
        day(() => 0),
      );
      write(
        'cpu',
        day((i) => 0.4 + 0.1 * Math.sin(i / 30) + (i % 5) / 100),
      );
      const h = await fetchHistory(new CsvSource({ dir }), { service: SERVICE, windowS: 86_400, toMs: NOW });
      const err = refusal(() => checkHistory(h, { minPoints: 100 }));
      expect(err.message).toMatch(/payments error_rate is constant \(0\).*leave it out \(signals: cpu\)/);
    });

    it('asked for a signal with no data, says so', async () => {
      write(
        'cpu',
        day((i) => 0.4 + (i % 5) / 100),
      );
      await expect(
        fetchHistory(new CsvSource({ dir }), { service: SERVICE, windowS: 86_400, toMs: NOW, signals: ['memory'] }),
      ).rejects.toThrow(/no data for payments memory/);
    });
  });
});
