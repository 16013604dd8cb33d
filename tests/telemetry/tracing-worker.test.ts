import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { DURING_BURST, testApp } from '../helpers/app';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { startOtlpReceiver, traceOf, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { describeNeeding } from '../helpers/requires';
import { appMention, postSigned, SLACK_IDS } from '../helpers/slack-payloads';
import { ALICE, listenForSlack, SLACK_SECRET } from '../helpers/slack-serve';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';

/**
 * Issue 17.4, checked as the issue says: a local OTLP/HTTP receiver on loopback gets one connected
 * trace for a chat message whose job ran in a separate `worker` process. The control plane runs as
 * `serve --no-workers` does (Slack through the real Bolt app against the fake Slack, its own
 * redis-server); the worker is the built CLI, started with OTEL_EXPORTER_OTLP_ENDPOINT, and flushes
 * its spans on SIGTERM as the control plane does on close.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

describeNeeding(
  'issue 17.4: one trace from a Slack message through a worker process to the reply',
  hasRedisServer ? undefined : 'needs the redis-server binary on PATH (apt-get install redis-server)',
  () => {
    let redis: PrivateRedis;
    let receiver: OtlpReceiver;
    let fake: FakeSlack;
    let app: App | undefined;
    let http: FastifyInstance | undefined;
    let worker: WorkerProcess | undefined;
    const queueName = `sco-trace-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      receiver = await startOtlpReceiver();
      fake = await startFakeSlack({ streaming: false });
    }, 30_000);
    afterAll(async () => {
      await http?.close();
      await app?.close();
      await worker?.stop('SIGKILL');
      await fake?.close();
      await receiver?.close();
      await redis?.stop();
    }, 30_000);

    it('both processes’ spans form one trace: HTTP -> message -> command -> enqueue -> job; the result', async () => {
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
      worker = await startWorkerProcess({ redisUrl: redis.url, queueName, env: otel });
      ({ app } = await testApp(
        {
          ...otel,
          REDIS_URL: redis.url,
          QUEUE_NAME: queueName,
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_SIGNING_SECRET: SLACK_SECRET,
          SLACK_API_URL: fake.url,
        },
        DURING_BURST,
      ));
      await app.startWorkers({ general: false }); // `serve --no-workers`: status jobs are the worker's
      http = createHttpForApp(app);
      const events = await listenForSlack(http);
      await app.startChat();

      const mention = appMention({
        text: `<@${SLACK_IDS.botUser}> status payments`,
        userId: ALICE,
        channelId: 'C0OPS',
      });
      expect((await postSigned(events, mention, SLACK_SECRET)).status).toBe(200);
      const answered = await fake.waitFor(
        (c) => c.method === 'chat.update' && c.ok && !/Checking/.test(JSON.stringify(c.args.blocks)),
        30_000,
      );
      expect(JSON.stringify(answered.args.blocks)).toMatch(/payments/);

      // Both processes flush what they hold: the control plane on close, the worker on SIGTERM.
      await http.close();
      http = undefined;
      await app.close();
      app = undefined;
      await worker.stop('SIGTERM');
      expect(worker.child.exitCode).toBe(0);
      expect(worker.output()).toMatch(/tracing on/);

      const job = receiver.spans.find((s) => s.name === 'job status') as ReceivedSpan;
      expect(job).toBeDefined();
      const t = traceOf(receiver.spans, job.traceId);
      const root = t.one('POST /slack/events');
      const message = t.one('chat.message');
      const parse = t.one('intent.parse');
      const command = t.one('command status');
      const enqueue = t.one('enqueue status');
      const chain = [root, message, command, enqueue, job];
      for (let i = 1; i < chain.length; i++) expect(t.parentOf(chain[i])).toBe(chain[i - 1]);
      expect(root.parentSpanId).toBe('');
      expect(t.parentOf(parse)).toBe(message);
      expect(message.attributes).toMatchObject({ 'chat.platform': 'slack', 'chat.channel': 'C0OPS' });
      expect(job.attributes).toMatchObject({ 'messaging.system': 'bullmq', 'messaging.operation.type': 'process' });

      // Two processes: the job's span comes from the worker, the rest from the control plane.
      const control = message.resource;
      expect(control['smartcloudops.role']).toBe('control');
      expect(job.resource['smartcloudops.role']).toBe('worker');
      expect(job.resource['process.pid']).toBe(worker.child.pid);
      expect(job.resource['process.pid']).not.toBe(control['process.pid']);
      expect(job.resource['service.instance.id']).not.toBe(control['service.instance.id']);
      expect(job.resource['service.name']).toBe('smartcloudops');
      for (const s of [root, message, parse, command, enqueue])
        expect(s.resource['service.instance.id']).toBe(control['service.instance.id']);

      // The acknowledgement, then the finished job's result posted in its place (the same Slack message).
      expect(t.parentOf(t.all('chat.post')[0])).toBe(message);
      const result = t.one('chat.result');
      expect(t.parentOf(result)).toBe(message);
      expect(result.attributes).toMatchObject({
        'job.id': job.attributes['messaging.message.id'],
        'job.state': 'completed',
      });
      const [update] = t.spans.filter((s) => t.parentOf(s) === result);
      expect(update.name).toBe('chat.update');
      expect(update.attributes['chat.message.id']).toBe(answered.args.ts);
      // One trace: every span of this message, from either process, carries its id.
      expect(t.spans.length).toBeGreaterThanOrEqual(9);
    }, 120_000);
  },
);
