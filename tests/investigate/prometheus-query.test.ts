import { guestPrincipal } from '../../src/auth/principal';
import { AppError } from '../../src/errors';
import { createToolbox, findTool, runTool } from '../../src/investigate/tools';
import type { Tool, ToolContext } from '../../src/investigate/types';
import { DemoFleet } from '../../src/sources/demo';
import { startFakePrometheus, type FakePrometheus } from '../helpers/fake-prometheus';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const ctx: ToolContext = { principal: guestPrincipal('console:vera', 'vera', 'viewer'), now: NOW };
let fake: FakePrometheus;
let tool: Tool;

beforeAll(async () => {
  fake = await startFakePrometheus();
  const tools = createToolbox({ source: new DemoFleet({ seed: 1, clock: () => NOW }), prometheus: { url: fake.url } });
  tool = findTool(tools, 'prometheus_query') as Tool;
});
afterAll(() => fake.close());

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('prometheus_query', () => {
  it('asks for at most 500 points per series and keeps at most 10 series', async () => {
    fake.respondWith((req) => {
      const start = Number(req.params.start);
      const end = Number(req.params.end);
      const step = Number(req.params.step);
      const values: Array<[number, number]> = [];
      for (let t = start; t <= end; t += step) values.push([t, 1.5]);
      return { series: Array.from({ length: 14 }, (_, i) => ({ metric: { pod: `p${i}` }, values })) };
    });
    const r = await runTool(tool, { query: 'sum by (pod) (rate(http_requests_total[5m]))', minutes: 360 }, ctx);
    const [req] = fake.rangeQueries().slice(-1);
    expect((Number(req.params.end) - Number(req.params.start)) / Number(req.params.step)).toBeLessThanOrEqual(499);
    expect(Number(req.params.end) * 1000).toBe(NOW);
    const data = r.data as { series: Array<{ points: unknown[] }>; series_dropped: number };
    expect(data.series).toHaveLength(10);
    expect(data.series_dropped).toBe(4);
    for (const s of data.series) expect(s.points.length).toBeLessThanOrEqual(500);
    expect(r.summary).toContain('14 series');
  });

  it('refuses a range over 6 hours and an over-long query before asking Prometheus', async () => {
    const before = fake.rangeQueries().length;
    const long = await refusal(runTool(tool, { query: 'up', minutes: 361 }, ctx));
    expect(long.message).toMatch(/^Bad input for prometheus_query: minutes: /);
    const big = await refusal(runTool(tool, { query: `up${' or up'.repeat(100)}`, minutes: 5 }, ctx));
    expect(big.message).toMatch(/query: .*500/);
    expect(fake.rangeQueries().length).toBe(before);
  });

  it("passes on Prometheus's refusal of a bad query", async () => {
    fake.respondWith({ error: 'parse error at char 4: unexpected end of input' });
    const err = await refusal(runTool(tool, { query: 'sum(', minutes: 5 }, ctx));
    expect(err.code).toBe('bad_request');
    expect(err.message).toContain('parse error');
  });
});
