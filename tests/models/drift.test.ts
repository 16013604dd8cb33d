import { createDriftWatch } from '../../src/app/drift';
import { createSilentLogger } from '../../src/log/logger';
import { DemoFleet } from '../../src/sources/demo';
import { createProcessors } from '../../src/workers/processors';
import type { Jobs } from '../../src/jobs/map';
import { renderText } from '../../src/reply/render-text';
import { testApp } from '../helpers/app';
import { checkNow, recordingPoster, trainChampion } from './drift-helpers';

jest.setTimeout(300_000);

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

async function driftGauge(app: Awaited<ReturnType<typeof testApp>>['app'], model: string) {
  const m = await app.metrics.modelDriftScore.get();
  return m.values.find((v) => v.labels.model === model)?.value;
}

/** issue 15 point 7: PSI over the training deciles, corrected for autocorrelation, holds its false-alarm rate. */
describe('drift_check on the demo fleet', () => {
  it('stays quiet on an unchanged fleet over three simulated days of hourly checks', async () => {
    let now = T0;
    const { app } = await testApp({ DRIFT_INTERVAL: '1h' }, () => now);
    try {
      await app.startWorkers();
      const { version } = await trainChampion(app);
      const poster = recordingPoster();
      app.drift.setTarget({ poster, channel: 'C-INCIDENTS' });
      const scores: number[] = [];
      for (let h = 1; h <= 72; h++) {
        now = T0 + h * HOUR;
        const { results } = await checkNow(app);
        expect(results).toHaveLength(1);
        expect(results[0]).toMatchObject({ checked: true, drifted: false, model: 'payments-detector' });
        scores.push(results[0].score);
        expect(await driftGauge(app, 'payments-detector')).toBe(results[0].score);
      }
      expect(Math.max(...scores)).toBeLessThan(0.25);
      expect(poster.posts).toEqual([]);
      const v = app.models.version(version.name, version.version);
      expect(v.drift).toMatchObject({ drifted: false, moved: [], at: T0 + 72 * HOUR });
    } finally {
      await app.close();
    }
  });

  it('flags a scaled-down service, sets the gauge and posts one card per episode with a Retrain button', async () => {
    let now = T0;
    const { app } = await testApp({ DRIFT_INTERVAL: '1h' }, () => now);
    try {
      await app.startWorkers();
      await trainChampion(app);
      const poster = recordingPoster();
      app.drift.setTarget({ poster, channel: 'C-INCIDENTS' });
      // A second control plane on the same store and queue, also posting to the channel.
      const other = createDriftWatch({
        registry: app.models,
        db: app.store.db,
        queue: app.queue,
        clock: app.clock,
        metrics: app.metrics,
        log: createSilentLogger(),
        intervalMs: HOUR,
      });
      const otherPoster = recordingPoster();
      other.setTarget({ poster: otherPoster, channel: 'C-INCIDENTS' });
      (app.source as DemoFleet).apply({ kind: 'scale', service: 'payments', replicas: 1 });
      now = T0 + 24 * HOUR;
      const { ids, results } = await checkNow(app);
      await other.handle(ids[0]);
      expect(results[0].drifted).toBe(true);
      expect(results[0].score).toBeGreaterThanOrEqual(0.25);
      expect(results[0].signals.filter((s) => s.drifted).map((s) => s.signal)).toContain('latency_p99');
      expect(await driftGauge(app, 'payments-detector')).toBe(results[0].score);
      expect(poster.posts.length + otherPoster.posts.length).toBe(1);
      const card = [...poster.posts, ...otherPoster.posts][0];
      expect(card.channel).toBe('C-INCIDENTS');
      const text = renderText(card.reply);
      expect(text).toMatch(
        /payments-detector v1: .*latency_p99 distribution moved \(PSI \d+\.\d\d; median [\d,.]+ -> [\d,.]+ ms\)/,
      );
      const buttons = card.reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));
      expect(buttons).toEqual([expect.objectContaining({ label: 'Retrain', command: 'train payments 7d' })]);
      expect(app.models.version('payments-detector', 1).drift).toMatchObject({ drifted: true });
      // Still drifted an hour later: no second card.
      now += HOUR;
      const again = await checkNow(app);
      await other.handle(again.ids[0]);
      expect(again.results[0].drifted).toBe(true);
      expect(poster.posts.length + otherPoster.posts.length).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('runs in a worker from the job data alone, and says so for a version with no reference', async () => {
    let now = T0;
    const clock = () => now;
    const p = createProcessors({ source: new DemoFleet({ seed: 7, clock }), clock, onnxThreads: 1 });
    const ctx = <D>(data: D) => ({
      id: 'j',
      name: 'x',
      data,
      meta: {},
      attempt: 1,
      log: createSilentLogger(),
      signal: new AbortController().signal,
      progress: async () => {},
    });
    const t = (await p.train_model!(
      ctx({ service: 'payments', windowS: 2 * 86_400 }),
    )) as Jobs['train_model']['result'];
    const model = { name: t.model, version: 3, sha256: t.sha256, onnxBase64: t.onnxBase64 };
    now += 12 * HOUR;
    const ok = await p.drift_check!(ctx({ model, service: 'payments', reference: t.reference ?? null }));
    expect(ok).toMatchObject({ checked: true, drifted: false, toMs: now, fromMs: now - 24 * HOUR });
    expect(ok.signals.map((s) => s.signal)).toEqual(t.reference!.signals.map((s) => s.signal));
    const old = await p.drift_check!(ctx({ model, service: 'payments', reference: null }));
    expect(old).toMatchObject({ checked: false, drifted: false, score: 0 });
    expect(old.reason).toMatch(/payments-detector v3 was trained before drift references were kept; retrain/);
  });
});
