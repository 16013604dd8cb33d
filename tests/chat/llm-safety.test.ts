import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';

/** The LLM only proposes: whatever it answers goes through validation, RBAC, the catalog and confirmation. */
describe('LLM proposals through the whole flow (real openai SDK, local fake API)', () => {
  let fake: FakeOpenAI;
  let app: App;

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    await app?.close();
    await fake.close();
  });

  const start = async (role: string) => {
    ({ app } = await testApp({
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test-000000000000000000000',
      DEFAULT_ROLE: role,
      OPENAI_TIMEOUT_MS: '500',
    }));
    await app.startWorkers();
  };
  const say = async (text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'slack', user: 'U1', channel: 'C1', thread: 't', text },
      sink,
    );
    await handled.done;
    return { ...handled, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
  };
  const propose = (intent: string, slots: Record<string, unknown>, confidence = 0.9) =>
    fake.respondWith({ toolCall: { arguments: { intent, slots, confidence } } });

  it('does not ask the LLM when the rules are confident', async () => {
    await start('viewer');
    await say('/ops status');
    expect(fake.completions()).toHaveLength(0);
  });

  it('asks for confirmation of an LLM remediation, echoing the exact command', async () => {
    await start('operator');
    propose('remediate', { action: 'restart', target: 'checkout-api' });
    const first = await say('the checkout thing is wedged again, give it a kick will ya');
    expect(fake.completions()).toHaveLength(1);
    expect(first.outcome).toBe('awaiting_confirmation');
    expect(first.text).toContain('Did you mean `/ops restart checkout-api`?');
  });

  it('refuses an LLM answer naming an unknown target', async () => {
    await start('operator');
    propose('remediate', { action: 'restart', target: 'ghost-service' });
    const result = await say('the ghost thingy is wedged, sort it out');
    expect(result.outcome).toBe('invalid');
    expect(result.text).toContain("I don't know a service called “ghost-service”");
  });

  it('falls back to the rules on a forbidden action (never executes it)', async () => {
    await start('admin');
    propose('remediate', { action: 'delete_database', target: 'payments' });
    const result = await say('wipe out whatever payments keeps on disk');
    expect(result.intent).toBe('unknown');
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toMatch(/smartcloudops_llm_requests_total\{outcome="invalid"\} 1/);
  });

  it('refuses a viewer an LLM-proposed remediation', async () => {
    await start('viewer');
    propose('remediate', { action: 'rollback', target: 'payments' });
    const result = await say('payments deploy looks cursed, put the old one back');
    expect(result.outcome).toBe('denied');
    expect(result.text).toContain('needs the operator role');
  });

  it('keeps working when the LLM times out or is rate limited', async () => {
    await start('viewer');
    fake.respondWith({ hang: 'headers' });
    const slow = await say('blorp the zorp');
    expect(slow.intent).toBe('unknown');
    fake.respondWith({ status: 429, headers: { 'retry-after': '20' } });
    const limited = await say('glorp the florp');
    expect(limited.intent).toBe('unknown');
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toMatch(/smartcloudops_llm_requests_total\{outcome="timeout"\} 1/);
    expect(metrics).toMatch(/smartcloudops_llm_requests_total\{outcome="rate_limited"\} 1/);
  });
});
