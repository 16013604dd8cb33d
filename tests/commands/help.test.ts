import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';

/**
 * What `help` says works and what is not built yet, through the real conversation (rules parser,
 * command layer, text renderer).
 */
describe('issue 13.17: help presents what works, and nothing as coming', () => {
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

  it('lists every command as working, investigate and the remediations included, and nothing as coming', async () => {
    const { text } = await say('help');
    expect(text).toContain('restart|rollback|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET');
    expect(text).not.toMatch(/coming|not built/i);
    expect(text).toContain('runbooks QUERY');
    expect(text).toContain('investigate [SERVICE|incident ID] [question]');
    expect(text).toContain('promote MODEL VERSION');
    expect(text).toContain('rollback model MODEL');
  });

  it.each([
    ['help rollback', /restart\|rollback\|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET/],
    ['help runbook', /restart\|rollback\|clear_cache TARGET, scale TARGET N, runbook NAME on TARGET/],
  ])('%s explains the working remediation', async (input, usage) => {
    const { handled, text } = await say(input);
    expect(handled.intent).toBe('help');
    expect(text).toMatch(usage);
    expect(text).not.toMatch(/not built/);
  });

  it.each([['help investigate', /investigate \[SERVICE\|incident ID\] \[question\]/]])(
    '%s explains the command',
    async (input, usage) => {
      const { text } = await say(input);
      expect(text).toMatch(usage);
      expect(text).not.toMatch(/not built/);
    },
  );
});
