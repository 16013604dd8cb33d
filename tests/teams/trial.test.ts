import type { AdaptiveCard } from '../../src/adapters/teams/card';
import { renderAdaptiveCard } from '../../src/adapters/teams/render';
import { renderSlack } from '../../src/adapters/slack/render';
import { context, fields, header, progress, reply, series, table, text, type Reply } from '../../src/reply/model';

/** Every markdown string of a card (TextBlock texts and FactSet titles/values). */
function markdownOf(card: AdaptiveCard): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      if (typeof o.title === 'string' && typeof o.value === 'string') out.push(o.title, o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(card.body);
  return out;
}

/**
 * CommonMark's link forms (https://spec.commonmark.org/0.31.2/#links): an inline link
 * `[text](url)`, a full or collapsed reference `[text][ref]`, or a reference definition
 * `[ref]: url` (which makes a shortcut `[ref]` a link). Each needs a `]` that is not
 * backslash-escaped (an odd number of backslashes before it escapes it) followed by `(`, `[` or `:`.
 */
function hasLinkSyntax(md: string): boolean {
  return /(^|[^\\])(\\\\)*\][([:]/.test(md);
}

/** What a CommonMark renderer shows for backslash escapes of punctuation. */
const shown = (md: string) => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');

const FORGED = [
  '[Approve here](https://evil.example/login)',
  '[Approve here] (https://evil.example/x) and [a [nested] one](https://evil.example/y)',
  '[docs][1]\n\n[1]: https://evil.example/ref',
  'escaped already \\[x\\](https://evil.example/z) and a backslash \\\\[y](https://evil.example/w)',
  '![img](https://evil.example/track.png)',
];

function everywhere(s: string): Reply {
  return reply(
    'warning',
    header(`alert ${s}`),
    text(`I didn't understand “${s}”.`),
    text(`Did you mean \`${s}\`?`),
    fields([{ label: `summary ${s}`, value: s }]),
    table(['label', 'value'], [['description', s]]),
    series(s, [1, 2, 3]),
    progress(50, s),
    context(`asked: ${s}`),
  );
}

describe('issue 13.19 (trial): data text cannot forge a link in a Teams card, as it cannot in Slack', () => {
  it.each(FORGED)('%s: no markdown link reaches the card, and the characters still show', (s) => {
    const { card } = renderAdaptiveCard(everywhere(s));
    const md = markdownOf(card);
    expect(md.length).toBeGreaterThanOrEqual(8);
    for (const m of md) expect(hasLinkSyntax(m)).toBe(false);
    // The text is shown, not swallowed: the URL stays visible, as Slack shows it.
    const all = md.map(shown).join('\n');
    for (const url of s.match(/https:\/\/evil\.example\/[a-z.]+/g) ?? []) expect(all).toContain(url);
  });

  it('our own text keeps its brackets as they were (`help [topic]`)', () => {
    const { card } = renderAdaptiveCard(reply('info', text('Closest commands: `help [topic]`, `status [service]`')));
    expect(markdownOf(card)).toContain('Closest commands: help [topic], status [service]');
  });

  it('Slack shows the same data without a link either (`<` `>` escaped, `[..](..)` is not mrkdwn)', () => {
    for (const s of [
      ...FORGED,
      '<https://evil.example|Approve here>',
      '<!channel> <!here> <!everyone> <@U0ALICE> <!subteam^S1>',
    ]) {
      const message = renderSlack(everywhere(s));
      // Slack parses `<…>` in mrkdwn text objects and the message text; plain_text shows it as typed.
      const mrkdwn = [
        message.text,
        ...(JSON.stringify(message.blocks).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g) ?? []),
      ];
      expect(mrkdwn.length).toBeGreaterThanOrEqual(7);
      for (const m of mrkdwn) expect(m).not.toMatch(/<(https?:|!|@|#)/);
    }
  });
});

describe(
  'issue 13.19 (trial): every button reaches the Teams user however long its label or command, ' +
    'or the card says what did not fit',
  () => {
    const submits = (card: AdaptiveCard) => (JSON.stringify(card).match(/"type":"Action\.Submit"/g) ?? []).length;
    const commands = (card: AdaptiveCard) =>
      [...JSON.stringify(card).matchAll(/"command":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    const titles = (card: AdaptiveCard) =>
      [...JSON.stringify(card).matchAll(/"type":"Action\.Submit","title":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    const size = (card: AdaptiveCard) => Buffer.byteLength(JSON.stringify(card), 'utf8');

    it('30 buttons with 2,000-character labels: all 30 commands are buttons, titles shortened, the card fits', () => {
      const bs = Array.from({ length: 30 }, (_, i) => ({
        label: `Acknowledge ${i} ${'x'.repeat(2000)}`,
        command: `ack i${i}`,
      }));
      const { card } = renderAdaptiveCard(reply('info', text('pick one'), { type: 'buttons', buttons: bs }));
      expect(size(card)).toBeLessThanOrEqual(27_000);
      expect(commands(card)).toEqual(bs.map((b) => b.command));
      for (const t of titles(card)) expect([...t].length).toBeLessThanOrEqual(75);
      expect(titles(card)[7]).toMatch(/^Acknowledge 7 x+…$/);
    });

    it(
      'a 30 KB command does not take the other buttons with it: they stay, ' + 'and it is shown as text (as in Slack)',
      () => {
        const long = `runbook ${'y'.repeat(30_000)}`;
        const { card } = renderAdaptiveCard(
          reply('info', text('hi'), {
            type: 'buttons',
            buttons: [
              { label: 'Run it', command: long },
              { label: 'Help', command: 'help' },
            ],
          }),
        );
        expect(size(card)).toBeLessThanOrEqual(27_000);
        expect(commands(card)).toEqual(['help']);
        expect(markdownOf(card).join('\n')).toMatch(/Run it: type runbook yyyy/);
      },
    );

    it('300 buttons: as many as fit are buttons, in order, and a note counts the rest', () => {
      const bs = Array.from({ length: 300 }, (_, i) => ({
        label: `Acknowledge incident number ${i}`,
        command: `ack incident-${i}-${'z'.repeat(60)}`,
      }));
      const { card } = renderAdaptiveCard(reply('info', text('many'), { type: 'buttons', buttons: bs }));
      expect(size(card)).toBeLessThanOrEqual(27_000);
      const kept = submits(card);
      expect(kept).toBeGreaterThan(50);
      expect(commands(card)).toEqual(bs.slice(0, kept).map((b) => b.command));
      expect(markdownOf(card).join('\n')).toContain(`${300 - kept} more buttons did not fit`);
    });
  },
);
