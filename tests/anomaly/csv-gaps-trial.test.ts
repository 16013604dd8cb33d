import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presentAnomalies } from '../../src/present/anomalies';
import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import type { AnomaliesJobResult } from '../../src/jobs/map';
import { testApp } from '../helpers/app';

const END = Date.UTC(2026, 10, 26, 10, 0);
const MIN = 60_000;

/** A CSV folder with one service that has only some golden signals, one with gaps and NaN, one constant at 0. */
function csvDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sco-csv-'));
  mkdirSync(join(dir, 'shop'));
  const write = (signal: string, value: (i: number) => string | undefined) => {
    const rows = ['timestamp,value'];
    for (let i = 0; i < 3600; i++) {
      const v = value(i);
      if (v !== undefined) rows.push(`${(END - (3600 - 1 - i) * MIN) / 1000},${v}`);
    }
    writeFileSync(join(dir, 'shop', `${signal}.csv`), `${rows.join('\n')}\n`);
  };
  write('error_rate', () => '0');
  write('latency_p50', (i) =>
    i > 3000 && i < 3300 ? undefined : i % 97 === 0 ? 'NaN' : String(50 + ((i * 7919) % 13) / 4 + (i > 3560 ? 150 : 0)),
  );
  return dir;
}

describe('issue 13.10 (trial): anomalies over every signal of a CSV service that has only some of them', () => {
  let app: App;
  beforeAll(async () => {
    // A moving clock (retries are due); the job's own atMs fixes the window.
    ({ app } = await testApp({ METRICS_SOURCE: `csv:${csvDir()}`, JOB_ATTEMPTS: '3' }, () => Date.now()));
    await app.startWorkers();
  });
  afterAll(async () => {
    await app.close();
  });

  it(
    'scores the signals it has and names the ones it has no file for, ' + 'instead of failing the whole request',
    async () => {
      const job = await app.queue.add('detect_anomalies', { service: 'shop', windowS: 3600, atMs: END });
      const done = await app.queue.waitUntilFinished(job.id, 60_000);
      expect([done.state, done.error]).toEqual(['completed', undefined]);
      expect(done.attemptsMade).toBe(1);
      const result = done.result as AnomaliesJobResult;
      expect(result.findings.map((f) => f.signal).sort()).toEqual(['error_rate', 'latency_p50']);
      expect(result.missing).toEqual(
        expect.arrayContaining(['shop latency_p99', 'shop request_rate', 'shop cpu', 'shop memory']),
      );
      const p50 = result.findings.find((f) => f.signal === 'latency_p50');
      expect(p50?.segments.some((s) => s.direction === 'above' && s.ongoing)).toBe(true);
      const flat = result.findings.find((f) => f.signal === 'error_rate');
      expect(flat?.segments).toEqual([]);
      const text = renderText(presentAnomalies(result));
      expect(text).toMatch(/no data for shop latency_p99, shop request_rate, shop cpu, shop memory/);
    },
  );

  it('a single metric with no file fails at once with the reason (not retried)', async () => {
    const job = await app.queue.add('detect_anomalies', { service: 'shop', metric: 'cpu', windowS: 3600, atMs: END });
    const done = await app.queue.waitUntilFinished(job.id, 60_000);
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(done.error).toMatch(/no CSV file for shop cpu/);
  });
});
