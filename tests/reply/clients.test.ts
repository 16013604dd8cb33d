import { randomBytes } from 'node:crypto';
import type { AdaptiveCard } from '../../src/adapters/teams/card';
import { renderAdaptiveCard } from '../../src/adapters/teams/render';
import { renderSlack, SLACK_LIMITS } from '../../src/adapters/slack/render';
import { buttons, context, fields, header, reply, table, text, type Button, type Reply } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { blockProblems } from '../helpers/fake-slack';

/** Teams' host config shows at most this many actions per action set (`actions.maxActions`); the rest vanish. */
const TEAMS_MAX_ACTIONS = 6;

interface TeamsAction {
  type: string;
  title?: string;
  data?: { command?: string };
  card?: { body?: unknown[]; actions?: TeamsAction[] };
}

/** Every action set (ActionSet element or a card's own `actions`) in a card, nested cards included. */
function teamsActionSets(card: unknown): TeamsAction[][] {
  const sets: TeamsAction[][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if ((o.type === 'ActionSet' || o.type === 'AdaptiveCard') && Array.isArray(o.actions))
      sets.push(o.actions as TeamsAction[]);
    Object.values(o).forEach(walk);
  };
  walk(card);
  return sets;
}

/** What a Teams user can press: every Action.Submit's command, however deep. */
const teamsCommands = (card: AdaptiveCard) =>
  teamsActionSets(card)
    .flat()
    .filter((a) => a.type === 'Action.Submit')
    .map((a) => a.data?.command);

type SlackButton = { type: string; value?: string; text: { text: string } };
const slackButtons = (r: Reply): SlackButton[] =>
  renderSlack(r)
    .blocks.filter((b) => b.type === 'actions')
    .flatMap((b) => (b as { elements: SlackButton[] }).elements);

const thirty: Button[] = Array.from({ length: 30 }, (_, i) => ({
  label: `Restart pod ${i}`,
  command: `restart checkout-api-${i}`,
}));
const commandsOf = (bs: Button[]) => bs.map((b) => b.command);

describe('issue 13.19: every button reaches the user on Slack and Teams', () => {
  it('30 buttons: all 30 commands in the Slack blocks, at most 25 per actions block, blocks Slack accepts', () => {
    const r = reply('info', header('Pods'), buttons(thirty));
    const { blocks } = renderSlack(r);
    expect(blockProblems(blocks)).toEqual([]);
    for (const b of blocks.filter((x) => x.type === 'actions'))
      expect((b as { elements: unknown[] }).elements.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
    expect(slackButtons(r).map((b) => b.value)).toEqual(commandsOf(thirty));
  });

  it('30 buttons: all 30 commands in the Teams card, at most 6 in any action set', () => {
    const { card } = renderAdaptiveCard(reply('info', header('Pods'), buttons(thirty)));
    const sets = teamsActionSets(card);
    expect(sets.length).toBeGreaterThan(0);
    for (const set of sets) expect(set.length).toBeLessThanOrEqual(TEAMS_MAX_ACTIONS);
    expect(teamsCommands(card)).toEqual(commandsOf(thirty));
  });

  it(
    'keeps the buttons when a reply is cut to fit: a long table before them on Slack ' +
      '(50 blocks) and Teams (27 KB)',
    () => {
      const rows = Array.from({ length: 3000 }, (_, i) => [`svc-${i}`, 'healthy', `${i} ms`]);
      const long = reply(
        'info',
        header('Everything'),
        table(['service', 'state', 'p99'], rows),
        ...Array.from({ length: 60 }, (_, i) => text(`note ${i} `.repeat(200))),
        buttons(thirty),
      );
      const slack = renderSlack(long);
      expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      expect(blockProblems(slack.blocks)).toEqual([]);
      expect(slackButtons(long).map((b) => b.value)).toEqual(commandsOf(thirty));
      expect(slack.overflow).toContain('svc-2999');

      const { card } = renderAdaptiveCard(long);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(27_000);
      expect(teamsCommands(card)).toEqual(commandsOf(thirty));

      // Thousands of short facts cannot be shortened, only dropped: the card drops them, not the buttons.
      const facts = reply(
        'info',
        header('Labels'),
        fields(Array.from({ length: 3000 }, (_, i) => ({ label: `label-${i}`, value: `value-${i}` }))),
        buttons(thirty),
      );
      const cut = renderAdaptiveCard(facts).card;
      expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(27_000);
      expect(JSON.stringify(cut)).toMatch(/truncated, 1 block cut/);
      expect(teamsCommands(cut)).toEqual(commandsOf(thirty));
    },
  );

  it('a blank label gets the command as its label on both platforms (and in the console)', () => {
    const blank: Button[] = [
      { label: '', command: 'status payments' },
      { label: '   ', command: 'jobs' },
      { label: '\u0000\u001b[0m', command: 'incidents' },
    ];
    const r = reply('info', text('pick one'), buttons(blank));
    expect(slackButtons(r).map((b) => b.text.text)).toEqual(['status payments', 'jobs', 'incidents']);
    const { card } = renderAdaptiveCard(r);
    expect(
      teamsActionSets(card)
        .flat()
        .map((a) => a.title),
    ).toEqual(['status payments', 'jobs', 'incidents']);
    expect(renderText(r)).toContain('[status payments: status payments]  [jobs: jobs]  [incidents: incidents]');
  });

  it('NUL, ESC sequences and other control characters are stripped identically by Slack, Teams and the console', () => {
    const dirty = 'disk\u0000 full\u001b[31m on db-1\u001b[0m\u0007 \u202eevil\u0085!';
    const clean = 'disk full on db-1 evil!';
    const r = reply(
      'warning',
      header(dirty),
      text(dirty),
      fields([{ label: dirty, value: dirty }]),
      table(['host'], [[dirty]]),
      context(dirty),
      buttons([{ label: dirty, command: 'ack i1' }]),
    );

    const slack = JSON.stringify(renderSlack(r).blocks);
    const teams = JSON.stringify(renderAdaptiveCard(r).card);
    const console = renderText(r);
    for (const out of [slack, teams, console]) {
      expect(out).not.toMatch(
        // eslint-disable-next-line no-control-regex
        /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\\u00(0|1)[0-9a-f]/i,
      );
    }
    const slackTexts = renderSlack(r).blocks.flatMap((b) => JSON.stringify(b).match(/disk[^"*\\`]*?!/g) ?? []);
    const teamsTexts = teams.match(/disk[^"*\\`]*?!/g) ?? [];
    const consoleTexts = console.match(/disk[^"*\\`\n]*?!/g) ?? [];
    expect(new Set([...slackTexts, ...teamsTexts, ...consoleTexts])).toEqual(new Set([clean]));
    expect(slackTexts.length).toBeGreaterThanOrEqual(5);
    expect(teamsTexts.length).toBeGreaterThanOrEqual(5);
  });
});

/** An API key exactly as `apikey create` prints one: `sco_<12 hex id>_<43 base64url>`. */
const apiKey = () => `sco_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;

describe('issue 13.8: secrets in replies are redacted on every platform', () => {
  it('an API key, a Slack token or a JWT in any block never reaches Slack, Teams or the console', () => {
    const key = apiKey();
    const slackToken = `xoxb-${'1'.repeat(12)}-${'2'.repeat(13)}-${randomBytes(12).toString('hex')}`;
    const jwt =
      `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{"sub":"alice"}').toString('base64url')}.` +
      `${randomBytes(32).toString('base64url')}`;
    const all = `${key} ${slackToken} ${jwt}`;
    const r = reply(
      'error',
      header(`unknown service “${key}”`),
      text(`I didn't understand “/ops status ${all}”.`),
      fields([{ label: 'asked', value: all }]),
      table(['input'], [[all]]),
      context(`alice asked: /ops status ${key}`),
      buttons([{ label: `Retry ${key}`, command: `status ${key}` }]),
    );
    const outputs = [JSON.stringify(renderSlack(r)), JSON.stringify(renderAdaptiveCard(r)), renderText(r)];
    for (const out of outputs) {
      for (const secret of [key, key.slice(17), slackToken, jwt]) expect(out).not.toContain(secret);
      expect(out).toContain('[REDACTED]');
    }
  });
});
