import { spawnSync } from 'node:child_process';
import { describeNeeding } from '../helpers/requires';
import { waitFor } from '../helpers/cli';
import { notification, firing } from '../incidents/notifications';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';
import { httpApp, type HttpApp } from './http-app';

/**
 * The second adversarial trial of issue 13.3 on the parts the first fix did not reach: the
 * Alertmanager webhook (an incident whose analysis job cannot be queued) and the /metrics scrape
 * (queue_depth) while the test's own Redis is killed or frozen. Each test's timeout bounds the
 * answers: a hang fails it.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const TOKEN = 'alert-webhook-token-trial-0123456789';

describeNeeding(
  'issue 13.3 (trial): the webhook and /metrics with Redis down (own redis-server)',
  hasRedisServer ? undefined : 'needs the redis-server binary on PATH (apt-get install redis-server)',
  () => {
    let redis: PrivateRedis;
    let h: HttpApp;
    let names: string;
    let group = 0;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      h = await httpApp({
        REDIS_URL: redis.url,
        QUEUE_NAME: `sco-trial-${process.pid}-${Date.now()}`,
        ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
      });
      names = `Redis at 127.0.0.1:${redis.port}`;
    }, 30_000);
    afterAll(async () => {
      redis?.thaw();
      await h?.close();
      await redis?.stop();
    }, 30_000);

    const alert = () => {
      group += 1;
      return notification(`{}:{alertname="Trial${group}"}`, [firing(`fp-trial-${group}`, 1)]);
    };
    const post = (body: object) =>
      h.http.inject({
        method: 'POST',
        url: '/webhooks/alertmanager',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: body,
      });
    const analysisJobs = async () => (await h.app.queue.list({ limit: 500 })).filter((j) => j.name === 'investigate');

    /**
     * The incident is what matters to on-call: it is recorded and the webhook answers 200 (a 5xx
     * would make Alertmanager retry a notification that is already recorded, and a retry cannot
     * bring the analysis back: the incident is no longer new). The timeline and the log say the
     * analysis did not start and why.
     */
    const expectRecordedWithoutAnalysis = async () => {
      const body = alert();
      const res = await post(body);
      expect(res.statusCode).toBe(200);
      const answer = res.json<{ incident: string; created: boolean }>();
      expect(answer).toMatchObject({ created: true, status: 'open' });
      const incident = h.app.incidents.get(answer.incident);
      expect(incident.timeline.map((t) => t.event)).toEqual(['opened', 'analysis not started']);
      expect(incident.timeline[1].detail).toMatchObject({
        reason: `The job queue (${names}) is not answering; try again shortly.`,
      });
      expect(h.logs()).toContain('analysis not started');
      // Alertmanager sends the group again later: still one incident, still 200.
      const again = await post(body);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ incident: answer.incident, created: false });
      return answer.incident;
    };

    it('killed: an alert is recorded and answered 200, its timeline says the analysis did not start', async () => {
      await redis.kill();
      try {
        await expectRecordedWithoutAnalysis();
      } finally {
        await redis.restart();
      }
      await waitFor(
        async () =>
          (await h.app.queue.check().then(
            () => true,
            () => false,
          ))
            ? true
            : undefined,
        15_000,
        'the queue to answer again',
      );
      // Back: a new incident gets its analysis job again.
      const res = await post(alert());
      expect(res.statusCode).toBe(200);
      const id = res.json<{ incident: string }>().incident;
      expect((await analysisJobs()).filter((j) => h.app.incidents.analysedBy(j) === id)).toHaveLength(1);
    }, 40_000);

    it("frozen (SIGSTOP): the same, within the queue guard's deadline", async () => {
      redis.freeze();
      try {
        await expectRecordedWithoutAnalysis();
      } finally {
        redis.thaw();
      }
    }, 30_000);

    const depthLines = async () => {
      const res = await h.http.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      return res.body.split('\n').filter((l) => l.startsWith('smartcloudops_queue_depth{'));
    };

    it('a scrape with Redis dead or frozen shows no queue_depth rather than the last counts as if live', async () => {
      await waitFor(
        async () => ((await depthLines()).length > 0 ? true : undefined),
        15_000,
        'queue_depth while Redis answers',
      );
      await redis.kill();
      try {
        expect(await depthLines()).toEqual([]);
      } finally {
        await redis.restart();
      }
      await waitFor(
        async () => ((await depthLines()).length > 0 ? true : undefined),
        15_000,
        'queue_depth once Redis is back',
      );
      redis.freeze();
      try {
        expect(await depthLines()).toEqual([]);
      } finally {
        redis.thaw();
      }
      await waitFor(
        async () => ((await depthLines()).length > 0 ? true : undefined),
        15_000,
        'queue_depth after SIGCONT',
      );
    }, 60_000);
  },
);
