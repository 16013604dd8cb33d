import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { recordingSink, testApp } from '../helpers/app';

/**
 * A runbook request reads back as it is typed, `runbook NAME on SERVICE`, in every message about
 * it: the plan, the approval, the denial and the result. `runbook SERVICE` (without the runbook)
 * names another request, and typed back it would run a runbook called SERVICE.
 */
describe('issue 13.14 (trial): a runbook request reads back as `runbook NAME on SERVICE` after approval too', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'admin' }));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (user: string, text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'slack', user, channel: 'C1', text: `/ops ${text}` },
      sink,
    );
    await handled.done;
    return sink.messages.map((m) => m.versions.map((v) => renderText(v)).join('\n')).join('\n');
  };
  const requested = async () => {
    const plan = await say('U1', 'runbook flush-dns on payments');
    const id = /Remediation (r[0-9a-f]+): runbook flush-dns on payments/.exec(plan)?.[1];
    expect([plan, id]).toEqual([plan, expect.any(String)]);
    return id as string;
  };

  it('approved and run: the approval and the result name the runbook', async () => {
    const id = await requested();
    const approved = await say('U2', `approve ${id}`);
    expect(approved).toContain(`Approved ${id}; running \`runbook flush-dns on payments\` now.`);
    expect(approved).toContain(`Remediation ${id}: runbook flush-dns on payments done`);
    expect(approved).not.toMatch(/runbook payments/);
  });

  it('denied: the denial names the runbook', async () => {
    const id = await requested();
    expect(await say('U2', `deny ${id}`)).toBe(`Denied ${id}: \`runbook flush-dns on payments\` will not run.`);
  });
});
