import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, sayTo, testApp } from '../helpers/app';

describe('a message through the whole flow (embedded queue, demo fleet)', () => {
  let app: App;
  let logs: () => string;

  beforeEach(async () => {
    ({ app, logs } = await testApp());
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = (text: string, user = 'alice') => sayTo(app, text, user);

  it('answers help with the command list, without a job', async () => {
    const { handled, text } = await say('help');
    expect(handled.intent).toBe('help');
    expect(handled.outcome).toBe('replied');
    for (const usage of ['status [service]', 'jobs', 'job ID', 'cancel ID']) expect(text()).toContain(usage);
  });

  it('runs status as a job: acknowledges, shows progress in place, then the health table', async () => {
    const { handled, sink } = await say('/ops status');
    expect(handled.outcome).toBe('enqueued');
    expect(sink.messages).toHaveLength(1); // one message, edited in place
    const versions = sink.messages[0].versions;
    expect(renderText(versions[0])).toMatch(/Checking every service over the last hour/);
    const final = lastVersion(sink.messages[0]);
    const out = renderText(final);
    const services = (await app.source.services()).map((s) => s.name);
    expect(services.length).toBeGreaterThanOrEqual(4);
    for (const name of services) expect(out).toContain(name);
    expect(out).toMatch(/UNHEALTHY/); // the demo fleet always has an incident running
    expect(out).toMatch(/\bok\b/);
    expect(final.tone).toBe('warning');
  });

  it('reports one service in detail, and offers a did-you-mean for a typo', async () => {
    const services = (await app.source.services()).map((s) => s.name);
    const one = await say(`status ${services[0]}`);
    expect(one.text()).toMatch(new RegExp(`${services[0]}: (healthy|unhealthy)`));
    expect(one.text()).toMatch(/p99 latency/);
    const typo = await say(`status ${services[0].slice(0, -1)}x`);
    expect(typo.handled.outcome).toBe('invalid');
    expect(typo.text()).toContain(`Did you mean “${services[0]}”?`);
  });

  it('lists jobs, shows one, and refuses to cancel a finished one', async () => {
    await say('status');
    const list = await say('jobs');
    expect(list.text()).toMatch(/status\s+completed/);
    const [job] = await app.queue.list({ limit: 1 });
    const detail = await say(`job #${job.id}`);
    expect(detail.text()).toContain(`Job ${job.id}`);
    expect(detail.text()).toMatch(/state\s+completed/);
    const cancel = await say(`cancel ${job.id}`);
    expect(cancel.text()).toContain('had already finished');
    const missing = await say('job 999999');
    expect(missing.text()).toContain('No job 999999');
  });

  it('asks for a missing id, and suggests commands for gibberish', async () => {
    const unknown = await say('flibber the gronk');
    expect(unknown.handled.intent).toBe('unknown');
    expect(unknown.text()).toMatch(/Closest commands: .*`/);
    const missing = await say('cancel');
    expect(missing.handled.outcome).toBe('asked');
    expect(missing.text()).toContain('Which job?');
  });

  it('counts messages and jobs in the DESIGN.md metrics', async () => {
    await say('help');
    await say('status');
    const text = await app.metrics.registry.metrics();
    expect(text).toMatch(/smartcloudops_chat_messages_total\{platform="console",intent="help",outcome="replied"\} 1/);
    expect(text).toMatch(
      /smartcloudops_chat_messages_total\{platform="console",intent="status",outcome="enqueued"\} 1/,
    );
    expect(text).toMatch(/smartcloudops_jobs_total\{name="status",status="completed"\} 1/);
    expect(text).toMatch(/smartcloudops_queue_depth\{state="completed"\} 1/);
    expect(text).toMatch(/smartcloudops_intent_parse_duration_seconds_count\{source="rules"\} 2/);
    expect(logs()).toContain('message handled');
  });
});

describe('cancelling a queued job', () => {
  it('lets the requester cancel, and refuses another viewer', async () => {
    const { app } = await testApp(); // no workers: the job stays queued
    try {
      const sink = recordingSink();
      const started = await app.conversation.handleMessage(
        { platform: 'console', user: 'alice', channel: 'ops', text: 'status' },
        sink,
      );
      expect(started.outcome).toBe('enqueued');
      const [job] = await app.queue.list({ limit: 1 });
      expect(job.state).toBe('waiting');

      const bob = recordingSink();
      const denied = await app.conversation.handleMessage(
        { platform: 'console', user: 'bob', channel: 'ops', text: `cancel ${job.id}` },
        bob,
      );
      expect(denied.outcome).toBe('denied');
      expect(renderText(lastVersion(bob.messages[0]))).toContain('needs the operator role');
      expect((await app.queue.get(job.id))?.state).toBe('waiting');

      const alice = recordingSink();
      await app.conversation.handleMessage(
        { platform: 'console', user: 'alice', channel: 'ops', text: `cancel ${job.id}` },
        alice,
      );
      expect(renderText(lastVersion(alice.messages[0]))).toContain(`Cancelled job ${job.id}`);
      await started.done;
      expect(renderText(lastVersion(sink.messages[0]))).toContain('was cancelled');
    } finally {
      await app.close();
    }
  });
});
