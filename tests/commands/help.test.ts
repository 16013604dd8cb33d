import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';

/**
 * What `help` says works and what is not built yet, through the real conversation (rules parser,
 * command layer, text renderer).
 */
describe('issue 13.17: help does not present working commands as coming, nor stubs as features', () => {
  let app: App;
  beforeAll(async () => {
    ({ app } = await testApp());
  });
  afterAll(async () => {
    await app.close();
  });

  const say = async (text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text },
      sink,
    );
    await handled.done;
    return { handled, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
  };

  it(
    'lists rollback and runbook remediations as working, and names what is not built so it cannot be ' +
      'mistaken for them',
    async () => {
      const { text } = await say('help');
      const [working, later] = text.split(/Not built yet/);
      expect(later).toBeDefined();
      expect(working).toContain('restart|rollback|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET');
      expect(text).not.toMatch(/coming/i);
      // issue 16 point 7: runbook search works.
      expect(working).toContain('runbooks QUERY');
      for (const stub of ['`investigate` (look into a problem)']) {
        expect(later).toContain(stub);
      }
      // issue 15 point 5: promote and rollback of a model work (requests with plan and approval).
      expect(working).toContain('promote MODEL VERSION');
      expect(working).toContain('rollback model MODEL');
      expect(later).not.toMatch(/promote|rollback model/);
      expect(later).not.toMatch(/`rollback`|`runbook`/);
    },
  );

  it.each([
    ['help rollback', /restart\|rollback\|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET/],
    ['help runbook', /restart\|rollback\|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET/],
  ])('%s explains the working remediation', async (input, usage) => {
    const { handled, text } = await say(input);
    expect(handled.intent).toBe('help');
    expect(text).toMatch(usage);
    expect(text).not.toMatch(/not built/);
  });

  it.each([['help investigate', '`investigate` (look into a problem) is not built yet in this release']])(
    '%s says it is not built yet',
    async (input, sentence) => {
      expect((await say(input)).text).toContain(sentence);
    },
  );

  it('a command that is not built says so in the same words REST uses for its 501', async () => {
    const { handled, text } = await say('investigate payments');
    expect(handled.intent).toBe('investigate');
    expect(text).toContain(
      '`investigate` (look into a problem) is not built yet in this release; `help` lists what works today.',
    );
  });
});
