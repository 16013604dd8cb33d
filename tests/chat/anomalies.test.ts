import { presentFinished } from '../../src/present/jobs';
import type { App } from '../../src/app/control';
import type { Block } from '../../src/reply/model';
import type { AnomaliesJobResult } from '../../src/jobs/map';
import { renderText } from '../../src/reply/render-text';
import { DURING_BURST, lastVersion, recordingSink, testApp } from '../helpers/app';

// Seed 42 runs its incident cycle from 08:08 UTC: payments has an error burst from 11:03 to 11:33.

describe('detect_anomalies through the whole flow (demo fleet)', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({}, DURING_BURST));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text },
      sink,
    );
    await handled.done;
    return { handled, final: lastVersion(sink.messages[0]) };
  };

  it('finds the error burst on payments, says since when and how far, and attaches a chart', async () => {
    const { handled, final } = await say('any anomalies in payments error rate over the last hour?');
    expect(handled.intent).toBe('detect_anomalies');
    const out = renderText(final);
    expect(out).toMatch(/1 anomalous of 1 series over the last hour/);
    expect(out).toMatch(/payments\s+error_rate\s+17m ago, ongoing/);
    expect(out).toMatch(/\+\d+\.\d pp above \(\d+× the top\)/);
    const image = final.blocks.find((b): b is Extract<Block, { type: 'image' }> => b.type === 'image');
    expect(image?.png?.subarray(1, 4).toString()).toBe('PNG');
    expect(image?.png?.readUInt32BE(16)).toBe(800); // IHDR width
  });

  it('issue 13.10: counts the points it scored and the anomalies it found in the registry', async () => {
    const counted = async (name: string) => (await app.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    expect(await counted('smartcloudops_anomaly_points_scored_total')).toEqual([expect.objectContaining({ value: 0 })]);
    const job = await app.queue.add('detect_anomalies', { service: 'payments', metric: 'error rate', windowS: 3600 });
    const done = await app.queue.waitUntilFinished(job.id, 30_000);
    expect(done.state).toBe('completed');
    const finding = (done.result as AnomaliesJobResult).findings[0];
    const scored = (await counted('smartcloudops_anomaly_points_scored_total'))[0].value;
    // The whole history the detector ran over, more than the window's 61 points.
    expect(scored).toBeGreaterThan(3000);
    const detected = await counted('smartcloudops_anomalies_detected_total');
    expect(detected).toEqual([
      expect.objectContaining({ labels: { service: 'payments' }, value: finding.segments.length }),
    ]);
    expect(finding.segments.length).toBeGreaterThan(0);
  });

  it('reports a quiet series as quiet', async () => {
    const { final } = await say('anomalies in auth-gateway p99 latency last 2 hours');
    expect(renderText(final)).toMatch(/No anomalies in 1 series over the last 2h/);
  });

  it('explains an unknown metric instead of failing silently, without retrying', async () => {
    const job = await app.queue.add('detect_anomalies', { service: 'payments', metric: 'disk inodes', windowS: 3600 });
    const done = await app.queue.waitUntilFinished(job.id, 10_000);
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(renderText(presentFinished(done))).toMatch(/I don't know the metric “disk inodes”; try one of latency_p50/);
  });
});
