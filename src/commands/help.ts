import { buttons, context, header, reply, table, text, type Reply } from '../reply/model';
import { COMMANDS } from './catalog';

export function helpReply(topic?: string): Reply {
  const entries = Object.entries(COMMANDS);
  if (topic) {
    const hit = entries.find(([name, info]) => name === topic || info.usage.split(/[ |]/)[0] === topic);
    if (hit) {
      const [name, info] = hit;
      return reply('info', header(`${info.usage}`), text(info.summary), context(`intent ${name} · needs role ${info.minRole}${info.available ? '' : ' · coming in a later release'}`));
    }
  }
  const available = entries.filter(([, i]) => i.available);
  const later = entries.filter(([, i]) => !i.available);
  return reply(
    'info',
    header('Here is what I can do'),
    table(['command', 'what it does'], available.map(([, i]) => [i.usage, i.summary])),
    text('Type a command, or `/ops <command>` in Slack and Teams.'),
    context(`Coming in later releases: ${later.map(([, i]) => i.usage.split(' ')[0]).join(', ')}`),
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
