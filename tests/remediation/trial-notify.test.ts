import type { ChannelPoster } from '../../src/ports/chat';
import { renderText } from '../../src/reply/render-text';
import type { Reply } from '../../src/reply/model';
import { DURING_BURST, recordingSink } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { caller, httpApp, person, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.12, found by a repeated trial: the requester's thread was told only about jobs. A request
 * denied by someone else (over REST, elsewhere in chat, another process) or left to expire never
 * reached the thread it was asked in: the requester kept waiting. It is told once, like a result;
 * the thread a denial was typed in hears only its own reply.
 */
describe("issue 13.12 (trial): a denial or an expiry reaches the request's thread", () => {
  let h: HttpApp;
  let call: Call;
  const posted: Array<{ channel: string; thread?: string; text: string }> = [];
  const poster: ChannelPoster = {
    async post(channel: string, reply: Reply, thread?: string) {
      posted.push({ channel, thread, text: renderText(reply) });
      return { channel, id: String(posted.length), thread: thread ?? '' };
    },
    async update() {},
  };
  beforeEach(async () => {
    posted.length = 0;
    h = await httpApp({ DEFAULT_ROLE: 'viewer' });
    h.clock.now = DURING_BURST;
    call = caller(h);
  });
  afterEach(async () => h.close());

  async function askInSlack(slackUser: string, thread: string): Promise<string> {
    const sink = recordingSink();
    const handled = await h.app.conversation.handleMessage(
      { platform: 'slack', user: slackUser, channel: 'C0OPS', thread, text: '/ops restart inventory' },
      sink,
    );
    await handled.done;
    return /r[0-9a-f]{6}/.exec(JSON.stringify(sink.messages))?.[0] ?? '';
  }

  it('tells the thread once when an approver denies over REST, and when a request expires', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const abe = await person(h, 'approver', 'abe');
    const stop = h.app.notifyRemediations({ slack: poster });
    try {
      const denied = await askInSlack(olivia.slack, 't-deny');
      expect((await call('POST', `/api/v1/remediations/${denied}/deny`, abe.token)).status).toBe(200);
      const told = await waitFor(
        async () => posted.find((p) => p.text.includes(denied)),
        10_000,
        'the denial in the thread',
      );
      expect(told).toMatchObject({
        channel: 'C0OPS',
        thread: 't-deny',
        text: expect.stringMatching(new RegExp(`${denied}.*denied by abe`)),
      });

      const expired = await askInSlack(olivia.slack, 't-expire');
      h.clock.now += 16 * 60_000;
      await h.app.remediation.recover();
      const late = await waitFor(
        async () => posted.find((p) => p.text.includes(expired)),
        10_000,
        'the expiry in the thread',
      );
      expect(late).toMatchObject({ thread: 't-expire', text: expect.stringMatching(/expired/) });
      // Once each, however many sweeps pass.
      await new Promise((r) => setTimeout(r, 3_500));
      expect(posted.filter((p) => p.text.includes(denied) || p.text.includes(expired))).toHaveLength(2);
    } finally {
      stop();
    }
  });

  it('does not tell the thread again when the denial was typed in it', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const stop = h.app.notifyRemediations({ slack: poster });
    try {
      const id = await askInSlack(olivia.slack, 't-own');
      const sink = recordingSink();
      const handled = await h.app.conversation.handleMessage(
        { platform: 'slack', user: olivia.slack, channel: 'C0OPS', thread: 't-own', text: `deny ${id}` },
        sink,
      );
      await handled.done;
      expect(JSON.stringify(sink.messages)).toMatch(/Withdrawn/);
      await new Promise((r) => setTimeout(r, 3_500));
      expect(posted.filter((p) => p.text.includes(id))).toEqual([]);
    } finally {
      stop();
    }
  });
});
