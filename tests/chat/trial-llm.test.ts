import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';

describe(
  'issue 13.8 (trial): a password typed in plain words never reaches the LLM or the reply (real openai SDK, ' +
    'local fake API)',
  () => {
    let fake: FakeOpenAI;
    let app: App;

    beforeEach(async () => {
      fake = await startFakeOpenAI();
      ({ app } = await testApp({
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'sk-test-000000000000000000000',
        DEFAULT_ROLE: 'operator',
        OPENAI_TIMEOUT_MS: '2000',
      }));
      await app.startWorkers();
    });
    afterEach(async () => {
      await app.close();
      await fake.close();
    });

    it('the message goes to the model with the value hidden, and the reply says to rotate it', async () => {
      fake.respondWith({ toolCall: { arguments: { intent: 'unknown', slots: {}, confidence: 0.1 } } });
      const sink = recordingSink();
      const handled = await app.conversation.handleMessage(
        {
          platform: 'teams',
          user: 'U1',
          channel: 'C1',
          thread: 't',
          text: 'the payments db keeps refusing us even though db_password=Hunter2Secret9 works locally, whats up',
        },
        sink,
      );
      await handled.done;
      expect(fake.completions().length).toBeGreaterThanOrEqual(1);
      const sent = JSON.stringify(fake.requests.map((r) => r.body));
      expect(sent).toContain('db_password=[REDACTED]');
      expect(sent).not.toContain('Hunter2Secret9');
      const shown = sink.messages.map((m) => renderText(lastVersion(m))).join('\n');
      expect(shown).not.toMatch(/hunter2secret9/i);
      expect(shown).toMatch(/treat it as exposed/);
    });
  },
);
