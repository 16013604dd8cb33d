import type { IntentName } from '../intent/schema';
import { buttons, context, header, reply, table, text, type Reply } from '../reply/model';
import { COMMANDS, type CommandInfo } from './catalog';

type CommandName = Exclude<IntentName, 'unknown'>;

/** The command a topic names: its intent name, or one of its command words (`help rollback`). */
function byTopic(topic: string): [CommandName, CommandInfo] | undefined {
  const entries = Object.entries(COMMANDS) as Array<[CommandName, CommandInfo]>;
  const t = topic.toLowerCase();
  return (
    entries.find(([name]) => name === t) ??
    entries.find(([, info]) => leadWords(info.usage) === t) ??
    entries.find(([, info]) => commandWords(info.usage).includes(t))
  );
}

/** A usage's words before its arguments: `rollback model MODEL` -> `rollback model`. */
function leadWords(usage: string): string {
  const out: string[] = [];
  for (const w of usage.split(' ')) {
    if (/[A-Z[…|]/.test(w)) break;
    out.push(w);
  }
  return out.join(' ');
}

/** The words that start a usage's forms: `restart|rollback TARGET, scale TARGET N` -> restart, rollback, scale. */
function commandWords(usage: string): string[] {
  return usage.split(', ').flatMap((form) => form.split(' ')[0].split('|'));
}

export function helpReply(topic?: string): Reply {
  const hit = topic ? byTopic(topic) : undefined;
  if (hit) {
    const [name, info] = hit;
    return reply(
      'info',
      header(info.usage),
      text(info.summary),
      context(`intent ${name} · needs role ${info.minRole}`),
    );
  }
  return reply(
    'info',
    header('Here is what I can do'),
    table(
      ['command', 'what it does'],
      Object.values(COMMANDS).map((i) => [i.usage, i.summary]),
    ),
    text('Type a command, or `/ops <command>` in Slack and Teams.'),
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
