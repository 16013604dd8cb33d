import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/commands/catalog';
import { helpReply } from '../../src/commands/help';
import { parseRules } from '../../src/intent/rules';
import type { IntentName } from '../../src/intent/schema';
import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';
import {
  consoleLines,
  conversations,
  expand,
  proseCommands,
  tableTemplates,
  type Example,
} from '../helpers/doc-examples';

const ROOT = join(__dirname, '..', '..');
const DOCS = ['README.md', 'runbooks/README.md'];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The catalog's usages: `restart|scale TARGET` -> the words that start each command, and its intent. */
const USAGES = Object.entries(COMMANDS).flatMap(([intent, info]) =>
  info.usage.split(', ').map((usage) => ({
    intent: intent as IntentName,
    words: usage.split(' '),
    first: new Set(usage.split(' ')[0].split('|')),
  })),
);
const COMMAND_WORDS = new Set(USAGES.flatMap((u) => [...u.first]));

/** The intent a documented command stands for: the catalog usage whose literal words it has. */
function documentedIntent(text: string): IntentName | undefined {
  const words = text.replace(/^(\/ops|@SmartCloudOps)\s+/, '').split(/\s+/);
  const fits = USAGES.filter(
    (u) => u.first.has(words[0]) && u.words.slice(1).every((w) => !/^[a-z_]+$/.test(w) || words.includes(w)),
  );
  return fits.sort(
    (a, b) => b.words.filter((w) => /^[a-z_]+$/.test(w)).length - a.words.filter((w) => /^[a-z_]+$/.test(w)).length,
  )[0]?.intent;
}

function examples(): Example[] {
  const out: Example[] = [];
  const add = (source: string, written: string, fromTable: boolean, flags: string[] = []) => {
    for (const e of expand(written)) {
      out.push({ source, written, text: e.text, fromTable, expects: e.expects, flags: [] });
      for (const flag of flags)
        out.push({ source, written, text: `${e.text} ${flag}`, fromTable, expects: e.expects, flags: [flag] });
    }
  };
  for (const file of DOCS) {
    const md = read(file);
    for (const row of tableTemplates(md)) for (const t of row.templates) add(`${file} table`, t, true, row.flags);
    for (const line of consoleLines(md)) add(`${file} console`, line, true);
    for (const span of proseCommands(md, COMMAND_WORDS)) add(`${file} text`, span, false);
  }
  const help = helpReply();
  for (const block of help.blocks) {
    if (block.type !== 'table') continue;
    for (const row of block.rows) for (const t of row[0].split(', ')) add('help table', t, true);
  }
  return out;
}

const ALL = examples();

describe(
  'issue 13.14: every example in README.md, help and runbooks/README.md is a ' + 'command that parses as documented',
  () => {
    it('finds the examples (the extraction itself works)', () => {
      const sources = new Set(ALL.map((e) => e.source));
      for (const s of [
        'README.md table',
        'README.md console',
        'README.md text',
        'runbooks/README.md text',
        'help table',
      ])
        expect(sources).toContain(s);
      const texts = ALL.map((e) => e.text);
      for (const t of [
        'runbook flush-dns on checkout-api',
        '/ops restart inventory',
        'scale checkout-api 4',
        'clear_cache checkout-api --dry-run',
        'status',
        'incidents acked',
      ])
        expect(texts).toContain(t);
    });

    it.each(ALL.map((e) => [`${e.source}: ${e.text}`, e] as const))('%s', (_name, e) => {
      const intent = documentedIntent(e.text);
      expect({ text: e.text, documented: intent }).toEqual({ text: e.text, documented: expect.any(String) });
      const got = parseRules(e.text);
      expect({ text: e.text, intent: got.intent }).toEqual({ text: e.text, intent });
      const slots = got.slots as Record<string, unknown>;
      for (const { value, slots: where } of e.expects) {
        expect({ text: e.text, value, found: where.some((k) => slots[k] === value) }).toEqual({
          text: e.text,
          value,
          found: true,
        });
      }
      if (e.flags.includes('--dry-run')) expect(slots.dry_run).toBe(true);
      if (e.fromTable || e.expects.length)
        expect({ text: e.text, confidence: got.confidence >= 0.9 }).toEqual({ text: e.text, confidence: true });
    });
  },
);

describe('issue 13.14: the documented commands run in a conversation on the demo fleet without a question', () => {
  let app: App;
  beforeAll(async () => {
    // Hundreds of examples from one person, as fast as they run: the chat rate limit would answer "slow down".
    ({ app } = await testApp({ DEFAULT_ROLE: 'admin', RATE_LIMIT_CHAT_PER_MIN: '0' }));
    await app.startWorkers();
  });
  afterAll(async () => {
    await app.close();
  });
  let thread = 0;
  /** The reply to `text` (a job's result too when `wait`: a question would be in the first reply). */
  const say = async (text: string, where = `t${++thread}`, wait = true) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'slack', user: 'U1', channel: 'C1', thread: where, text },
      sink,
    );
    if (wait) await handled.done;
    return { ...handled, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
  };

  // Complete commands (a table row, a template with its samples, or any example with nothing missing), once each.
  const complete = [
    ...new Map(
      ALL.filter((e) => e.fromTable || e.expects.length > 0 || parseRules(e.text).missing.length === 0).map((e) => [
        e.text,
        e,
      ]),
    ).values(),
  ];
  it.each(complete.map((e) => [`${e.source}: ${e.text}`, e] as const))('%s', async (_name, e) => {
    const r = await say(e.text, undefined, false);
    expect(r.intent).toBe(documentedIntent(e.text));
    expect(r.outcome).not.toBe('asked');
    expect(r.text).not.toMatch(/\bWhich [a-z]+[^?]*\?|To how many|What should I/);
  });

  it.each(
    DOCS.flatMap((f) => conversations(read(f), f)).map(
      (c) => [`${c.source}: ${c.turns.map((t) => t.say).join(' → ')}`, c] as const,
    ),
  )('the conversation %s goes as written', async (_name, c) => {
    const where = `conv-${++thread}`;
    for (const turn of c.turns) {
      const r = await say(turn.say, where);
      if (turn.reply) expect(r.text).toContain(turn.reply);
    }
  });

  it('leaves no slot missing in any table row or template (only the documented conversation asks)', () => {
    const incomplete = ALL.filter((e) => (e.fromTable || e.expects.length) && parseRules(e.text).missing.length).map(
      (e) => e.text,
    );
    expect(incomplete).toEqual([]);
  });
});
