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
    for (const s of [...FORGED, '<https://evil.example|Approve here>', '<!channel> <!here> <!everyone> <@U0ALICE> <!subteam^S1>']) {
      const message = renderSlack(everywhere(s));
      // Slack parses `<…>` in mrkdwn text objects and the message text; plain_text shows it as typed.
      const mrkdwn = [message.text, ...(JSON.stringify(message.blocks).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g) ?? [])];
      expect(mrkdwn.length).toBeGreaterThanOrEqual(7);
      for (const m of mrkdwn) expect(m).not.toMatch(/<(https?:|!|@|#)/);
    }
  });
});
