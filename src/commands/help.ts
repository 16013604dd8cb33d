import type { IntentName } from '../intent/schema';
import { buttons, context, header, reply, table, text, type Reply } from '../reply/model';
import { COMMANDS, type CommandInfo } from './catalog';

type CommandName = Exclude<IntentName, 'unknown'>;

/**
 * A command's words without its arguments: `rollback model MODEL` -> `rollback model`, so a
 * command that is not built yet is never confused with a working one that shares a word
 * (`rollback model` vs `rollback SERVICE`, `runbooks QUERY` search vs `runbook` remediation).
 */
function words(info: CommandInfo): string {
  const out: string[] = [];
  for (const w of info.usage.split(' ')) {
    if (/[A-Z[…]/.test(w)) break;
    out.push(w);
  }
  return out.join(' ');
}

/** The one sentence chat and REST (501) give for a command whose capability is not built yet. */
export function notBuiltMessage(intent: CommandName): string {
  const info = COMMANDS[intent];
  return `\`${words(info)}\` (${info.summary}) is not built yet in this release; \`help\` lists what works today.`;
}

/**
 * The command a topic names: its intent name, or one of its command words (`help rollback`);
 * working commands first.
 */
function byTopic(topic: string): [CommandName, CommandInfo] | undefined {
  const entries = (Object.entries(COMMANDS) as Array<[CommandName, CommandInfo]>).sort(
    ([, a], [, b]) => Number(b.available) - Number(a.available),
  );
  const t = topic.toLowerCase();
  return (
    entries.find(([name]) => name === t) ??
    entries.find(([, info]) => words(info) === t || commandWords(info.usage).includes(t))
  );
}

/** The words that start a usage's forms: `restart|rollback TARGET, scale TARGET N` -> restart, rollback, scale. */
function commandWords(usage: string): string[] {
  return usage.split(', ').flatMap((form) => form.split(' ')[0].split('|'));
}

export function helpReply(topic?: string): Reply {
  const entries = Object.entries(COMMANDS);
  const hit = topic ? byTopic(topic) : undefined;
  if (hit) {
    const [name, info] = hit;
    if (!info.available)
      return reply(
        'info',
        header(info.usage),
        text(notBuiltMessage(name)),
        context(`intent ${name} · needs role ${info.minRole} · not built yet`),
      );
    return reply(
      'info',
      header(info.usage),
      text(info.summary),
      context(`intent ${name} · needs role ${info.minRole}`),
    );
  }
  const available = entries.filter(([, i]) => i.available);
  const later = entries.filter(([, i]) => !i.available);
  return reply(
    'info',
    header('Here is what I can do'),
    table(
      ['command', 'what it does'],
      available.map(([, i]) => [i.usage, i.summary]),
    ),
    text('Type a command, or `/ops <command>` in Slack and Teams.'),
    context(
      `Not built yet (everything above works): ${later.map(([, i]) => `\`${words(i)}\` (${i.summary})`).join(', ')}.`,
    ),
    buttons([
      { label: 'Status', command: 'status', style: 'primary' },
      { label: 'Jobs', command: 'jobs' },
    ]),
  );
}

/** For text the parser did not understand: the closest commands by shared words and letters. */
export function unknownReply(input: string): Reply {
  const words = input.toLowerCase().split(/\W+/).filter(Boolean);
  const scored = Object.values(COMMANDS)
    .filter((c) => c.available)
    .map((c) => ({ c, score: similarity(words, `${c.usage} ${c.summary}`.toLowerCase()) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 3);
  return reply(
    'warning',
    text(`I didn't understand “${input.length > 80 ? `${input.slice(0, 80)}…` : input}”.`),
    text(`Closest commands: ${scored.map((s) => `\`${s.c.usage}\``).join(', ')}. Type \`help\` for the full list.`),
  );
}

function similarity(words: string[], target: string): number {
  let score = 0;
  for (const w of words) {
    if (w.length < 2) continue;
    if (target.includes(w)) score += 2;
    else if (w.length >= 4 && target.includes(w.slice(0, 4))) score += 1;
  }
  return score;
}
