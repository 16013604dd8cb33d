import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jobs } from '../../src/jobs/map';
import { createSilentLogger } from '../../src/log/logger';
import { loadBundle } from '../../src/models/bundle';
import { codeVersion } from '../../src/models/version';
import { createEmbeddedQueue } from '../../src/queue/embedded/queue';
import type { JobProgress, JobQueue } from '../../src/queue/types';
import { DemoFleet } from '../../src/sources/demo';
import { openStore, type Store } from '../../src/store/store';
import { createProcessors } from '../../src/workers/processors';
import { createHash } from 'node:crypto';

const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const clock = () => NOW;

describe('train_model job through the embedded queue', () => {
  let dir: string;
  let store: Store;
  let queue: JobQueue<Jobs>;
  const progress: JobProgress[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sco-train-job-'));
    store = openStore(join(dir, 'queue.sqlite'));
    queue = createEmbeddedQueue<Jobs>({
      store,
      name: 'jobs',
      logger: createSilentLogger(),
      historyLimit: 50,
      attempts: 3,
      backoffMs: 10,
    });
    queue.on('progress', (e) => progress.push(e.progress));
    const source = new DemoFleet({ seed: 7, clock });
    await queue.work(createProcessors({ source, clock, onnxThreads: 1 }));
  });
  afterAll(async () => {
    await queue.close({ graceMs: 0 });
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains, bundles and returns a model whose ONNX loads, reporting progress on the way', async () => {
    const job = await queue.add('train_model', {
      service: 'payments',
      windowS: 86_400,
      params: { trees: 6, sampleSize: 64, window: 32 },
      seed: 5,
    });
    const done = await queue.waitUntilFinished(job.id, 20_000);
    expect(done.state).toBe('completed');
    const r = done.result as Jobs['train_model']['result'];
    expect(r).toMatchObject({
      model: 'payments-detector',
      service: 'payments',
      params: { trees: 6, sampleSize: 64, window: 32 },
      seed: 5,
      window: { fromMs: NOW - 86_400_000, toMs: NOW, stepMs: 60_000 },
      codeVersion: codeVersion(),
    });
    expect(r.codeVersion).toMatch(/^\d+\.\d+\.\d+.*\+format\.1$/);
    expect(r.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    const bytes = Buffer.from(r.onnxBase64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
    expect(r.stats.points).toEqual({
      latency_p50: 1440,
      latency_p99: 1440,
      error_rate: 1440,
      request_rate: 1440,
      cpu: 1440,
      memory: 1440,
    });
    expect(r.stats.onnxBytes).toBe(bytes.length);
    const bundle = await loadBundle(bytes);
    try {
      expect(bundle.meta).toMatchObject({ model: 'payments-detector', seed: 5, dataSha256: r.dataSha256 });
      const scores = await bundle.scorers.cpu!.score(new Float32Array(8), 1);
      expect(scores[0]).toBeGreaterThan(0);
    } finally {
      await bundle.close();
    }
    expect(progress.map((p) => p.percent)).toEqual([...progress.map((p) => p.percent)].sort((a, b) => a - b));
    expect(progress.some((p) => /training payments cpu/.test(p.message ?? ''))).toBe(true);

    // The same request again (as `reproduce` would send it) gives the same bytes.
    const again = await queue.add('train_model', {
      service: 'payments',
      windowS: 86_400,
      params: { trees: 6, sampleSize: 64, window: 32 },
      seed: 5,
      toMs: r.window.toMs,
    });
    const second = (await queue.waitUntilFinished(again.id, 20_000)).result as Jobs['train_model']['result'];
    expect(second.sha256).toBe(r.sha256);
  });

  it('fails a bad window at once with the refusal, without retrying', async () => {
    const job = await queue.add('train_model', { service: 'payments', windowS: 3 * 3600 });
    const done = await queue.waitUntilFinished(job.id, 20_000);
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(done.error).toMatch(/too little data to train on: payments latency_p50 has 180 point/);
  });

  it('refuses an unknown service, a bad model name and bad params without retrying', async () => {
    for (const [data, why] of [
      [{ service: 'nope', windowS: 86_400 }, /unknown service “nope”/],
      [{ service: 'payments', windowS: 86_400, model: 'Bad Name' }, /model names are lower-case/],
      [{ service: 'payments', windowS: 86_400, params: { trees: 0 } }, /trees must be/],
      [{ service: 'payments', windowS: 60 }, /training window must be/],
    ] as const) {
      const job = await queue.add('train_model', data);
      const done = await queue.waitUntilFinished(job.id, 20_000);
      expect(done.state).toBe('failed');
      expect(done.attemptsMade).toBe(1);
      expect(done.error).toMatch(why);
    }
  });
});
