import type { App } from '../../src/app/control';
import { loadBundle } from '../../src/models/bundle';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, sayTo, testApp } from '../helpers/app';

jest.setTimeout(120_000);

describe('model ops from chat, end to end (demo fleet, embedded queue)', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = (text: string, user = 'alice') => sayTo(app, text, user);

  it('trains payments-detector v1 then v2, registers them with the requester, scores them, lists them', async () => {
    const first = await say('train a model for payments on the last 1 day');
    expect(first.handled.intent).toBe('train_model');
    expect(first.handled.outcome).toBe('enqueued');
    const versions = first.sink.messages[0].versions;
    expect(renderText(versions[0])).toMatch(/Training payments-detector on payments over the last 24h/);
    const out = first.text();
    if (process.env.SHOW) console.log(out);
    expect(out).toMatch(/Trained payments-detector v1/);
    expect(out).toMatch(/No champion yet: v1 is the first version/);
    expect(out).toMatch(/NAB-style score/);
    const v1 = app.models.version('payments-detector', 1);
    expect(v1.createdBy).toBe('console:alice');
    expect(v1.jobId).toBe(first.handled.job?.id);
    expect(v1.metrics).toMatchObject({ scorecard: { recommendation: 'first_version', champion: null } });
    const bundle = await loadBundle(await app.models.onnx('payments-detector', 1));
    expect(bundle.meta.service).toBe('payments');
    await bundle.close();

    const second = await say('/ops train payments-detector 1d', 'bob');
    expect(second.text()).toMatch(/Trained payments-detector v2/);
    const v2 = app.models.version('payments-detector', 2);
    expect(v2.createdBy).toBe('console:bob');
    // No champion yet: still a first-version scorecard, no comparison.
    expect(v2.metrics).toMatchObject({ scorecard: { recommendation: 'first_version', champion: null } });
    expect(app.models.get('payments-detector').versions).toHaveLength(2);

    const list = await say('list models');
    expect(list.handled.intent).toBe('list_models');
    expect(list.text()).toMatch(/payments-detector\s+payments\s+—\s+—\s+2\s+v2/);
  });

  it('compares with the champion when there is one', async () => {
    await say('train a model for payments on the last 1 day');
    app.models.setAlias('payments-detector', 'champion', 1, { by: 'console:alice', at: Date.now() });
    const second = await say('train a model for payments on the last 1 day');
    expect(second.text()).toMatch(/v1 \(champion\)/);
    expect(app.models.version('payments-detector', 2).metrics).toMatchObject({
      scorecard: { champion: 1, candidate: 2 },
    });
  });

  it('refuses a second training of the same model while one runs, naming the job', async () => {
    const sink = recordingSink();
    const started = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text: 'train a model for payments on the last 1 day' },
      sink,
    );
    const again = await say('train payments-detector 1d', 'bob');
    expect(again.handled.outcome).toBe('invalid');
    expect(again.text()).toContain(`payments-detector is already being trained: job ${started.job?.id}`);
    await started.done;
  });

  it('offers "did you mean" for an unknown model name', async () => {
    const { handled, text } = await say('train paymnts-detector 1d');
    expect(handled.outcome).toBe('invalid');
    expect(text()).toMatch(/payments/);
  });
});

describe('model RBAC in chat', () => {
  it('a viewer lists models but cannot train', async () => {
    const { app } = await testApp();
    try {
      const sink = recordingSink();
      const denied = await app.conversation.handleMessage(
        { platform: 'console', user: 'carol', channel: 'ops', text: 'train a model for payments on the last 1 day' },
        sink,
      );
      expect(denied.outcome).toBe('denied');
      expect(renderText(lastVersion(sink.messages[0]))).toContain('needs the operator role');
      expect(await app.queue.list()).toHaveLength(0);
      const listed = recordingSink();
      await app.conversation.handleMessage(
        { platform: 'console', user: 'carol', channel: 'ops', text: 'models' },
        listed,
      );
      expect(renderText(lastVersion(listed.messages[0]))).toContain('No models yet');
    } finally {
      await app.close();
    }
  });
});
