import { ChatApiError, type ChannelPoster, type PostedMessage } from '../../src/ports/chat';
import { header, reply, table, text, type Reply } from '../../src/reply/model';

/** One message as the far side shows it now. */
export interface SeenMessage {
  /** Its id on the platform; a terminal shows text, not ids. */
  id?: string;
  /** The root it replies under, when it is in a thread. */
  thread?: string;
  /** Every string of what the platform got, one per line (JSON decoded; markup as sent). */
  text: string;
  /** How many versions: 1 when posted, one more per edit. */
  versions: number;
  /** Its size on the wire. */
  bytes: number;
}

export interface PosterHarness {
  poster: ChannelPoster;
  /** A channel the poster may post into. */
  channel: string;
  /** A channel the platform does not know. */
  unknownChannel: string;
  /** What the far side shows in `channel`, thread replies included, oldest first. */
  seen(): SeenMessage[];
  /** The platform refuses the next call the way it refuses a bot (not in the channel, no permission). */
  refuseNext?(): void;
  close(): Promise<void>;
}

/** Where the posters differ, each within what the port allows. */
export interface PosterCapabilities {
  /** The platform whose refusals surface as ChatApiError; none for a screen of this process (`local`). */
  platform?: 'slack' | 'teams';
  /** The far side keeps messages by id, in threads, and edits them in place; a terminal prints anew. */
  editsInPlace: boolean;
  /** Long content is shown whole (a terminal), else cut to fit the platform's limits with a note. */
  showsAll: boolean;
  /** Most bytes of one message the platform takes, where the fake does not enforce it itself. */
  maxBytes?: number;
  /** Markup that would act on this platform (mention everyone, a disguised link) if data reached it raw. */
  liveMarkup: string[];
}

/** Every string leaf of a JSON value, one per line. */
export function stringsOf(node: unknown): string {
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map(stringsOf).filter(Boolean).join('\n');
  if (node !== null && typeof node === 'object') return Object.values(node).map(stringsOf).filter(Boolean).join('\n');
  return '';
}

const TOKEN = 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
/** Data as replies quote it: terminal escapes, bidi override, a secret, and every platform's live markup. */
const HOSTILE = [
  'Deploy \x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m',
  '<!channel> <@U0ALICE> <https://evil.example|click>',
  '[Approve here](https://evil.example/approve)',
  `\u202Eevil token ${TOKEN} done`,
].join(' ');
const INJECTED = ['\x1b[2J', '\x1b]0;', '\x1b[31m', '\u202E', TOKEN];

/**
 * One behaviour contract for every ChannelPoster (src/adapters/types.ts): post into a channel or a
 * thread, edit in place, platform refusals as ChatApiError, content shown safely and within limits.
 */
export function channelPosterContract(
  name: string,
  factory: () => Promise<PosterHarness>,
  capabilities: PosterCapabilities,
): void {
  describe(`channel poster contract: ${name}`, () => {
    let h: PosterHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.close();
    });

    const say = (words: string): Reply => reply('info', header('Contract'), text(words));
    const shown = (words: string) => h.seen().filter((m) => m.text.includes(words));
    const byId = (m: PostedMessage) => h.seen().find((s) => s.id === m.id);

    it('posts into the channel: the far side shows it, and the PostedMessage says where', async () => {
      const posted = await h.poster.post(h.channel, say('first post'));
      expect(posted.channel).toBe(h.channel);
      expect(posted.id).toMatch(/\S/);
      expect(shown('first post')).toHaveLength(1);
      if (capabilities.editsInPlace) {
        expect(posted.thread).toBe(posted.id); // a top-level post starts its own thread
        expect(byId(posted)).toMatchObject({ thread: undefined, versions: 1 });
      }
      expect(h.poster.local === true).toBe(capabilities.platform === undefined);
    });

    it('posts in the thread of a post: the replies land under it', async () => {
      const root = await h.poster.post(h.channel, say('thread root'));
      const first = await h.poster.post(h.channel, say('first reply'), root.thread);
      const second = await h.poster.post(h.channel, say('second reply'), root.thread);
      for (const r of [first, second]) {
        expect(r).toMatchObject({ channel: h.channel, thread: root.thread });
        expect(r.id).not.toBe(root.id);
      }
      expect(first.id).not.toBe(second.id);
      expect(shown('first reply')).toHaveLength(1);
      expect(shown('second reply')).toHaveLength(1);
      if (capabilities.editsInPlace) {
        expect(byId(first)?.thread).toBe(root.id);
        expect(byId(second)?.thread).toBe(root.id);
        expect(byId(root)?.thread).toBeUndefined();
      }
    });

    it(
      capabilities.editsInPlace
        ? 'edits in place: the same message shows the new content, top level and in a thread'
        : 'shows an edit as the new content, after the old',
      async () => {
        const root = await h.poster.post(h.channel, say('before the edit'));
        const inThread = await h.poster.post(h.channel, say('reply before its edit'), root.thread);
        await h.poster.update(root, say('after the edit'));
        await h.poster.update(inThread, say('reply after its edit'));
        const all = h.seen();
        const at = (words: string) => all.findIndex((m) => m.text.includes(words));
        if (!capabilities.editsInPlace) {
          expect(at('after the edit')).toBeGreaterThan(at('before the edit'));
          expect(at('reply after its edit')).toBeGreaterThan(at('reply before its edit'));
          return;
        }
        expect(all).toHaveLength(2);
        expect(byId(root)).toMatchObject({ versions: 2, thread: undefined });
        expect(byId(root)?.text).toContain('after the edit');
        expect(byId(root)?.text).not.toContain('before the edit');
        expect(byId(inThread)).toMatchObject({ versions: 2, thread: root.id });
        expect(byId(inThread)?.text).toContain('reply after its edit');
      },
    );

    const platform = capabilities.platform;
    it(
      platform
        ? `surfaces ${platform}'s refusals as ChatApiError: a refused post, an unknown channel, an unknown message`
        : 'is a screen of this process: another channel is not shown and not an error',
      async () => {
        if (!platform) {
          const elsewhere = await h.poster.post(h.unknownChannel, say('meant for another channel'));
          expect(elsewhere.channel).toBe(h.unknownChannel);
          await h.poster.update(elsewhere, say('still meant for another channel'));
          expect(shown('another channel')).toEqual([]);
          return;
        }
        const failures: unknown[] = [];
        h.refuseNext?.();
        failures.push(await h.poster.post(h.channel, say('refused')).catch((e: unknown) => e));
        failures.push(await h.poster.post(h.unknownChannel, say('nowhere')).catch((e: unknown) => e));
        const never = { channel: h.channel, id: '1700000099.999999', thread: '1700000099.999999' };
        failures.push(await h.poster.update(never, say('never posted')).catch((e: unknown) => e));
        for (const err of failures) {
          expect(err).toBeInstanceOf(ChatApiError);
          expect(err).toMatchObject({ platform, code: expect.stringMatching(/^[a-z0-9_]+$/) });
        }
        expect(h.seen()).toEqual([]);
      },
    );

    it(
      capabilities.showsAll
        ? 'shows long content whole'
        : 'posts long content cut to what the platform takes, starting with its header',
      async () => {
        const rows = Array.from({ length: 10_000 }, (_, i) => [`svc-${i}`, 'healthy', `${i} ms`]);
        const long = reply('info', header('Everything'), text('x'.repeat(50_000)), table(['service', 'state'], rows));
        const posted = await h.poster.post(h.channel, long);
        const message = capabilities.editsInPlace ? byId(posted) : shown('Everything')[0];
        const shows = (part: string) => message?.text.includes(part) === true;
        expect(shows('Everything')).toBe(true);
        expect(shows('x'.repeat(1000))).toBe(true); // the long text, at least its start
        if (capabilities.maxBytes) expect(message?.bytes).toBeLessThanOrEqual(capabilities.maxBytes);
        expect({ whole: shows('x'.repeat(50_000)) && shows('svc-9999') }).toEqual({ whole: capabilities.showsAll });
      },
    );

    it('shows data as text: no terminal escape, bidi override, secret or live markup reaches it', async () => {
      const posted = await h.poster.post(h.channel, reply('warning', header(HOSTILE), text(HOSTILE)));
      await h.poster.update(posted, reply('warning', text(`edited ${HOSTILE}`)));
      const all = h.seen();
      expect(all.length).toBeGreaterThan(0);
      const screen = all.map((m) => m.text).join('\n');
      expect(screen).toContain('Deploy');
      expect(screen).toContain('edited Deploy');
      expect(screen).toMatch(/done/);
      for (const raw of [...INJECTED, ...capabilities.liveMarkup])
        expect({ raw, shown: screen.includes(raw) }).toEqual({ raw, shown: false });
    });
  });
}
