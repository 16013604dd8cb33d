import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';

describe('multi-turn: questions for missing slots, confirmation of natural-language remediations', () => {
  let app: App;

  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (text: string, where: { user?: string; thread?: string } = {}) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'slack', user: where.user ?? 'U1', channel: 'C1', thread: where.thread ?? 't1', text },
      sink,
    );
    await handled.done;
    return {
      ...handled,
      text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n'),
      reply: lastVersion(sink.messages[0]),
    };
  };

  it(
    'asks "to how many replicas?", takes the answer from the next message, ' + 'then confirms the exact command',
    async () => {
      const first = await say('scale checkout-api');
      expect(first.outcome).toBe('asked');
      expect(first.text).toBe('To how many replicas?');
      const second = await say('4');
      expect(second.outcome).toBe('awaiting_confirmation');
      expect(second.text).toContain('Did you mean `/ops scale checkout-api 4`?');
      expect(second.reply.blocks).toContainEqual({
        type: 'buttons',
        buttons: [
          { label: 'Confirm', command: 'yes', style: 'primary' },
          { label: 'Cancel', command: 'no' },
        ],
      });
      const third = await say('yes');
      expect(third.intent).toBe('remediate');
      expect(third.outcome).toBe('enqueued'); // scaling needs no approval in the demo catalog
      expect(third.text).toMatch(/Remediation r[0-9a-f]{6}: scale checkout-api 4 done/);
      expect(third.text).toMatch(/checkout-api from \d+ to 4 replicas/);
    },
  );

  it('does not ask the slash form for confirmation', async () => {
    const slash = await say('/ops restart checkout-api');
    expect(slash.outcome).toBe('replied'); // the plan, waiting for an approver
    expect(slash.text).toMatch(/Remediation r[0-9a-f]{6}: restart checkout-api/);
    const asked = await say('/ops scale payments');
    expect(asked.text).toBe('To how many replicas?');
    const answered = await say('to 6 please');
    expect(answered.text).toContain('Scaled out payments from 3 to 6 replicas');
  });

  it('drops the remediation on "no", and a stale "yes" does nothing', async () => {
    await say('please bounce payments');
    const no = await say('no');
    expect(no.text).toContain("OK, I won't run `/ops restart payments`. Nothing was changed.");
    const yes = await say('yes');
    expect(yes.intent).toBe('unknown');
    expect(yes.outcome).toBe('unknown');
  });

  it('keeps conversations apart by thread and by user', async () => {
    await say('scale checkout-api', { thread: 'a' });
    const otherThread = await say('4', { thread: 'b' });
    expect(otherThread.intent).toBe('unknown');
    const otherUser = await say('4', { thread: 'a', user: 'U2' });
    expect(otherUser.intent).toBe('unknown');
    const same = await say('4', { thread: 'a' });
    expect(same.outcome).toBe('awaiting_confirmation');
  });

  it('lets a clear new command interrupt a question, and re-asks on a non-answer', async () => {
    await say('scale checkout-api');
    const reask = await say('hmm, not sure');
    expect(reask.text).toContain('Sorry, I need an answer to: To how many replicas?');
    await say('cancel');
    const dropped = await say('4');
    expect(dropped.intent).toBe('unknown'); // "cancel" dropped the question
    await say('scale checkout-api');
    const interrupted = await say('/ops status');
    expect(interrupted.intent).toBe('status');
    expect(interrupted.outcome).toBe('enqueued');
  });

  it('refuses an unknown target before asking anything, with a did-you-mean', async () => {
    const typo = await say('restart chekout-api');
    expect(typo.outcome).toBe('invalid');
    expect(typo.text).toContain('Did you mean “checkout-api”?');
    const bounds = await say('/ops scale payments 500');
    expect(bounds.text).toContain('Replicas must be between 1 and 50');
  });

  it('refuses a viewer before asking for confirmation', async () => {
    const { app: viewerApp } = await testApp();
    try {
      const sink = recordingSink();
      const handled = await viewerApp.conversation.handleMessage(
        { platform: 'slack', user: 'U9', channel: 'C1', text: 'restart checkout-api' },
        sink,
      );
      expect(handled.outcome).toBe('denied');
      expect(renderText(lastVersion(sink.messages[0]))).toContain(
        '`remediate` needs the operator role; you are viewer.',
      );
    } finally {
      await viewerApp.close();
    }
  });
  describe('issue 13.14: a pending question lets a complete new command through', () => {
    it(
      'runs a complete command of the same kind instead of swallowing it, ' + 'and drops the question it replaces',
      async () => {
        const asked = await say('/ops clear_cache');
        expect(asked.text).toBe('Which service?');
        const retyped = await say('/ops clear_cache checkout-api --dry-run');
        expect(retyped.text).not.toContain('Sorry, I need an answer');
        expect(retyped.intent).toBe('remediate');
        expect(retyped.text).toMatch(/Dry run r[0-9a-f]{6}: clear_cache checkout-api/);
        const stale = await say('payments');
        expect(stale.intent).toBe('unknown'); // the old question is gone
      },
    );

    it('takes a complete command that also contains a number as itself, not as the answer', async () => {
      await say('scale payments');
      const other = await say('scale checkout-api 5');
      expect(other.outcome).toBe('awaiting_confirmation');
      expect(other.text).toContain('Did you mean `/ops scale checkout-api 5`?');
    });

    it('keeps the question across a read-only command in between, and the answer still answers it', async () => {
      await say('scale checkout-api');
      const between = await say('jobs');
      expect(between.intent).toBe('list_jobs');
      expect(between.outcome).toBe('replied');
      const answer = await say('4');
      expect(answer.outcome).toBe('awaiting_confirmation');
      expect(answer.text).toContain('Did you mean `/ops scale checkout-api 4`?');
    });

    it('still re-asks when the message is neither an answer nor a command', async () => {
      await say('/ops runbook flush-dns');
      const reask = await say('the one that is slow');
      expect(reask.text).toContain('Sorry, I need an answer to: Which service?');
      const answer = await say('search');
      expect(answer.intent).toBe('remediate');
      expect(answer.text).not.toContain('Which service?');
    });
  });
});
