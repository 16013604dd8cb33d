import type { types } from '@slack/bolt';
import type { Block, Button, Reply, Step, Tone } from '../../reply/model';
import { summary } from '../../reply/model';
import { renderText } from '../../reply/render-text';
import { sanitizeReply } from '../../reply/sanitize';
import { sparkline } from '../../reply/sparkline';

type KnownBlock = types.KnownBlock;
type MrkdwnElement = types.MrkdwnElement;

/** Slack's Block Kit limits that this renderer keeps to (https://docs.slack.dev/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  fallbackText: 3000,
} as const;

/**
 * The emoji put before the first header or text block, by tone:
 * info :information_source:, success :white_check_mark:, warning :warning:, error :x:.
 */
export const TONE_EMOJI: Record<Tone, string> = {
  info: ':information_source:',
  success: ':white_check_mark:',
  warning: ':warning:',
  error: ':x:',
};

export interface SlackUpload {
  filename: string;
  title: string;
  alt: string;
  png: Buffer;
}

export interface SlackMessage {
  /** Notification / fallback text: the reply's gist (escaped mrkdwn), at most 3,000 characters. */
  text: string;
  /** At most 50 blocks, each within Slack's limits. */
  blocks: KnownBlock[];
  /** Charts the adapter uploads into the thread (files.uploadV2); the blocks only name them. */
  uploads: SlackUpload[];
  /** When blocks had to be cut: the full plain-text rendering, for the adapter to attach as a file. */
  overflow: string | undefined;
}

/**
 * Renders a platform-neutral Reply as a Slack message (Block Kit). Long content is split across
 * blocks, never dropped; past 50 blocks the message is cut and `overflow` carries the full text.
 * Every data-derived mrkdwn string has `&`, `<` and `>` escaped, so data cannot mention, link or
 * ping (`<!channel>`); our own mrkdwn (`*bold*`, backticks, code blocks) still works. Text is
 * cleaned first as on every platform (src/reply/sanitize.ts: control characters, secrets).
 */
export function renderSlack(dirty: Reply): SlackMessage {
  const reply = sanitizeReply(dirty);
  const uploads: SlackUpload[] = [];
  const blocks: KnownBlock[] = [];
  const counter = { button: 0 };
  let marked = false;
  for (const block of reply.blocks) {
    let mark = '';
    if (!marked && (block.type === 'header' || block.type === 'text')) {
      mark = `${TONE_EMOJI[reply.tone]} `;
      marked = true;
    }
    blocks.push(...renderBlock(block, mark, uploads, counter));
  }

  let overflow: string | undefined;
  let out = blocks;
  if (blocks.length > SLACK_LIMITS.blocksPerMessage) {
    out = cutToFit(blocks);
    overflow = renderText(reply);
  }

  const gist = summary(reply) || firstLine(renderText(reply)) || 'SmartCloudOps';
  return { text: truncateEscaped(gist, SLACK_LIMITS.fallbackText), blocks: out, uploads, overflow };
}

/**
 * At most 50 blocks: content is cut from the end, with a note where the cut is, while the
 * buttons stay (every one must reach the user); the full text goes along as a file.
 */
function cutToFit(blocks: KnownBlock[]): KnownBlock[] {
  const room = SLACK_LIMITS.blocksPerMessage - 1;
  // At least one content block besides the note; more buttons than that only in the file.
  const keptActions = new Set<KnownBlock>(blocks.filter((b) => b.type === 'actions').slice(0, room - 1));
  let content = room - keptActions.size;
  const kept: KnownBlock[] = [];
  let noteAt = -1;
  for (const b of blocks) {
    if (keptActions.has(b)) kept.push(b);
    else if (content > 0) {
      kept.push(b);
      content--;
    } else if (noteAt < 0) noteAt = kept.length;
  }
  const cut = blocks.length - kept.length;
  kept.splice(
    noteAt,
    0,
    contextBlock([
      `:scissors: ${cut} more block${cut === 1 ? '' : 's'} did not fit in one Slack message; ` +
        'the full output is attached as a file.',
    ])[0],
  );
  return kept;
}

function renderBlock(block: Block, mark: string, uploads: SlackUpload[], counter: { button: number }): KnownBlock[] {
  switch (block.type) {
    case 'header': {
      const t = (mark + block.text.replace(/\s+/g, ' ')).trim();
      if (!t) return [];
      return [
        { type: 'header', text: { type: 'plain_text', text: truncatePlain(t, SLACK_LIMITS.headerText), emoji: true } },
      ];
    }
    case 'text':
      return sections(splitEscaped(block.text, SLACK_LIMITS.sectionText - mark.length), mark);
    case 'context':
      return contextBlock(splitEscaped(block.text, SLACK_LIMITS.contextText));
    case 'fields':
      return fieldSections(block.fields);
    case 'table':
      return tableSections(block.columns, block.rows);
    case 'series':
      return sections(seriesLine(block.label, block.values, block.unit));
    case 'progress': {
      const pct = Math.max(0, Math.min(100, Math.round(Number.isFinite(block.percent) ? block.percent : 0)));
      const filled = Math.round(pct / 10);
      const bar = `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)} ${pct}%`;
      return contextBlock(splitEscaped(`${bar}${block.text ? ` ${block.text}` : ''}`, SLACK_LIMITS.contextText));
    }
    case 'steps':
      return sections(splitEscaped(block.steps.map(stepLine).join('\n'), SLACK_LIMITS.sectionText));
    case 'buttons':
      return actionBlocks(block.buttons, counter);
    case 'image': {
      if (block.png)
        uploads.push({ filename: `${slug(block.title)}.png`, title: block.title, alt: block.alt, png: block.png });
      const where = block.png ? ' (chart attached)' : '';
      return contextBlock(splitEscaped(`:bar_chart: ${block.title}: ${block.alt}${where}`, SLACK_LIMITS.contextText));
    }
  }
}

/** A step's mark in Block Kit (and in a streamed fallback): running, done, failed. */
export const STEP_EMOJI = { running: ':hourglass_flowing_sand:', done: ':white_check_mark:', failed: ':x:' } as const;

/** One step as a mrkdwn line (escaped by the caller with the rest): `:white_check_mark: label — detail`. */
function stepLine(s: Step): string {
  const one = (t: string) => t.replace(/\s+/g, ' ');
  return `${STEP_EMOJI[s.status]} ${one(s.label)}${s.detail ? ` — ${one(s.detail)}` : ''}`;
}

// ---- block builders -------------------------------------------------------------------------

function sections(chunks: string[], mark = ''): KnownBlock[] {
  return chunks.map((c, i) => ({ type: 'section', text: { type: 'mrkdwn', text: (i === 0 ? mark : '') + c } }));
}

/** Context blocks holding already-escaped chunks, at most 10 elements each. */
function contextBlock(chunks: string[]): KnownBlock[] {
  const out: KnownBlock[] = [];
  for (let i = 0; i < chunks.length; i += SLACK_LIMITS.contextElements) {
    const elements: MrkdwnElement[] = chunks
      .slice(i, i + SLACK_LIMITS.contextElements)
      .map((c) => ({ type: 'mrkdwn', text: c }));
    out.push({ type: 'context', elements });
  }
  return out;
}

function fieldSections(fs: Array<{ label: string; value: string }>): KnownBlock[] {
  const texts: string[] = [];
  for (const f of fs) {
    // A label is a few words; one past 200 characters is shortened (the value never is).
    const label = truncateEscaped(f.label.replace(/\s+/g, ' ').trim() || '—', 200);
    const head = `*${label}*\n`;
    const cont = `*${label} (cont.)*\n`;
    const parts = splitEscaped(f.value, SLACK_LIMITS.fieldText - cont.length);
    (parts.length ? parts : ['—']).forEach((p, i) => texts.push(`${i === 0 ? head : cont}${p}`));
  }
  const out: KnownBlock[] = [];
  for (let i = 0; i < texts.length; i += SLACK_LIMITS.sectionFields) {
    out.push({
      type: 'section',
      fields: texts.slice(i, i + SLACK_LIMITS.sectionFields).map((t) => ({ type: 'mrkdwn', text: t })),
    });
  }
  return out;
}

/** A monospaced table in ``` fences; split across sections when long, repeating the header row. */
function tableSections(columns: string[], rows: string[][]): KnownBlock[] {
  if (!columns.length && !rows.length) return [];
  const cell = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ');
  const widths = columns.map((c, i) => Math.max(width(cell(c)), ...rows.map((r) => width(cell(r[i])))));
  const line = (cells: Array<string | undefined>) =>
    widths
      .map((w, i) => pad(cell(cells[i]), w))
      .join('  ')
      .trimEnd();
  const headText = escapeMrkdwn(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
  const body = rows.map((r) => escapeMrkdwn(line(r)));
  const fence = (t: string) => `\`\`\`\n${t}\n\`\`\``;
  const budget = SLACK_LIMITS.sectionText - fence('').length;
  // A header too wide to repeat is shown once; a row too wide for a section is split.
  const repeat = headText.length + 1 <= Math.floor(budget / 2);
  const rowRoom = repeat ? budget - headText.length - 1 : budget;
  const chunks: string[] = [];
  let cur = '';
  const add = (p: string, fresh: string) => {
    if (cur && cur.length + 1 + p.length > budget) {
      chunks.push(cur);
      cur = fresh;
    }
    cur = cur ? `${cur}\n${p}` : p;
  };
  for (const p of headText.length <= budget ? [headText] : hardSplitEscaped(headText, budget)) add(p, '');
  for (const r of body)
    for (const p of r.length > rowRoom ? hardSplitEscaped(r, rowRoom) : [r]) add(p, repeat ? headText : '');
  if (cur) chunks.push(cur);
  return chunks.map((c) => ({ type: 'section', text: { type: 'mrkdwn', text: fence(c) } }));
}

/** `*label*  `▁▃▇`  min · max · last`; a very long label spills into more sections. */
function seriesLine(rawLabel: string, values: number[], unit: string | undefined): string[] {
  const finite = values.filter((v) => Number.isFinite(v));
  const u = unit ? ` ${escapeMrkdwn(unit)}` : '';
  const label = splitEscaped(rawLabel.replace(/\s+/g, ' ').trim() || 'series', 1500);
  const bold = (ls: string[]) => ls.map((l) => `*${l}*`);
  if (!finite.length) return [...bold(label.slice(0, -1)), `*${label[label.length - 1]}*  no data`];
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const last = finite[finite.length - 1];
  const stats = `\`${sparkline(values)}\`  min ${num(min)}${u} · max ${num(max)}${u} · last ${num(last)}${u}`;
  return [...bold(label.slice(0, -1)), `*${label[label.length - 1]}*  ${stats}`];
}

function actionBlocks(bs: Button[], counter: { button: number }): KnownBlock[] {
  const elements: types.Button[] = [];
  const tooLong: string[] = [];
  for (const b of bs) {
    const index = counter.button++;
    if (b.command.length > SLACK_LIMITS.buttonValue) {
      tooLong.push(`${b.label}: type \`${b.command}\``);
      continue;
    }
    elements.push({
      type: 'button',
      text: { type: 'plain_text', text: truncatePlain(b.label, SLACK_LIMITS.buttonText), emoji: true },
      action_id: `sco:cmd:${index}`,
      value: b.command,
      ...(b.style === 'primary' || b.style === 'danger' ? { style: b.style } : {}),
    });
  }
  const out: KnownBlock[] = [];
  for (let i = 0; i < elements.length; i += SLACK_LIMITS.actionsElements) {
    out.push({ type: 'actions', elements: elements.slice(i, i + SLACK_LIMITS.actionsElements) });
  }
  // A command too long for a button value stays visible as text rather than being dropped.
  for (const t of tooLong) out.push(...contextBlock(splitEscaped(t, SLACK_LIMITS.contextText)));
  return out;
}

// ---- text helpers ---------------------------------------------------------------------------

/** Slack's escaping for mrkdwn: only `&`, `<` and `>` (https://docs.slack.dev/messaging/formatting-message-text). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes `raw` and splits it into chunks of at most `limit` characters, at line boundaries where
 * possible; a single line longer than `limit` is split between characters (never inside an entity
 * or a surrogate pair). Nothing but blank space is dropped.
 */
function splitEscaped(raw: string, limit: number): string[] {
  const lines = raw.split('\n').map(escapeMrkdwn);
  const chunks: string[] = [];
  let cur: string | undefined;
  for (const l of lines) {
    const pieces = l.length > limit ? hardSplitEscaped(l, limit) : [l];
    for (const p of pieces) {
      if (cur === undefined) cur = p;
      else if (cur.length + 1 + p.length <= limit) cur += `\n${p}`;
      else {
        chunks.push(cur);
        cur = p;
      }
    }
  }
  if (cur !== undefined) chunks.push(cur);
  // Slack rejects empty text objects: whitespace-only chunks (blank lines, nothing else) go.
  return chunks.filter((c) => c.trim());
}

/** Splits an escaped string into pieces ≤ limit without breaking `&amp;`-style entities or code points. */
function hardSplitEscaped(s: string, limit: number): string[] {
  const tokens = s.match(/&(?:amp|lt|gt);|[\s\S]/gu) ?? [];
  const out: string[] = [];
  let cur = '';
  for (const t of tokens) {
    if (cur.length + t.length > limit && cur) {
      out.push(cur);
      cur = '';
    }
    cur += t;
  }
  if (cur) out.push(cur);
  return out;
}

/** Escapes and truncates to `limit` characters with a trailing …, never cutting an entity. */
function truncateEscaped(raw: string, limit: number): string {
  const e = escapeMrkdwn(raw);
  if (e.length <= limit) return e;
  return `${hardSplitEscaped(e, limit - 1)[0]}…`;
}

function truncatePlain(s: string, limit: number): string {
  if (s.length <= limit) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > limit - 1) break;
    out += ch;
  }
  return `${out}…`;
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'chart'
  );
}
