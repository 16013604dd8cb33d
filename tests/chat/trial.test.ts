import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';

describe('issue 13.14 (trial): the ways people call off a pending question drop it, never answer it', () => {
  let app: App;

  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (text: string, thread = 't1') => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'slack', user: 'U1', channel: 'C1', thread, text },
      sink,
    );
    await handled.done;
    return { ...handled, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
  };

  it.each(['forget it', 'no thanks', 'nah', 'Never mind.', 'no, thank you', 'skip it'])(
    '"Which service?" then "%s": dropped, and the next message is not taken as the answer',
    async (off) => {
      expect((await say('restart')).text).toBe('Which service?');
      const dropped = await say(off);
      expect(dropped.outcome).toBe('dropped');
      expect(dropped.text).toBe('OK, dropped.');
      // Nothing is waiting any more: a bare service name is not a restart.
      expect((await say('inventory')).intent).not.toBe('remediate');
    },
  );

  it('two questions in two threads are answered each in its own thread', async () => {
    expect((await say('restart', 'ta')).text).toBe('Which service?');
    expect((await say('scale search', 'tb')).text).toBe('To how many replicas?');
    expect((await say('forget it', 'ta')).text).toBe('OK, dropped.');
    const answered = await say('4', 'tb');
    expect(answered.text).toContain('Did you mean `/ops scale search 4`?');
  });
});
