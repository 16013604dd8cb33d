import { summary, type Block, type Button, type Reply, type Tone } from '../../reply/model';
import { sanitizeReply } from '../../reply/sanitize';
import { sparkline } from '../../reply/sparkline';
import {
  CARD_SCHEMA,
  CARD_VERSION,
  TEAMS_LIMITS,
  type AdaptiveCard,
  type CardElement,
  type Container,
  type SubmitAction,
  type TableCell,
  type TextBlock,
} from './card';

/**
 * Teams rejects a message over ~28 KB; the card gets 27,000 bytes of serialized JSON and the rest
 * is left for the activity envelope and the summary text.
 */
export const MAX_CARD_BYTES = 27_000;
/** The notification/summary text is one line of at most this many characters. */
const SUMMARY_MAX_CHARS = 400;
/** A truncated text keeps at least this many characters. */
const KEEP_CHARS = 100;
/** Room for "… (truncated, 123456 characters cut)" when deciding how much to cut. */
const NOTE_ROOM = 48;
/** Table cells longer than this are truncated individually before rows are dropped. */
const LONG_CELL_CHARS = 500;

/**
 * Tone -> style of the top Container that holds the first block (normally the header), the card's
 * equivalent of the console's tone mark: success -> good (green), error -> attention (red),
 * warning -> warning (amber), info -> accent (blue).
 */
export const TONE_STYLE: Record<Tone, NonNullable<Container['style']>> = {
  success: 'good',
  error: 'attention',
  warning: 'warning',
  info: 'accent',
};

export interface TeamsRenderOptions {
  /** Largest serialized card, in UTF-8 bytes (default 27,000). */
  maxBytes?: number;
}

/**
 * One Reply as a Teams Adaptive Card (1.5) plus its plain one-line summary for notifications.
 * Every block renders; a card that would be too big loses its images first (their alt text stays),
 * then its longest texts and table rows are cut with a "(truncated, …)" note. Never throws on size.
 */
export function renderAdaptiveCard(
  reply: Reply,
  options: TeamsRenderOptions = {},
): { card: AdaptiveCard; text: string } {
  const clean = sanitizeReply(reply);
  const text = plainSummary(clean);
  const maxBytes = options.maxBytes ?? MAX_CARD_BYTES;
  try {
    return { card: fitCard(clean, maxBytes), text };
  } catch {
    // Last resort: a renderer bug must not lose the message.
    return { card: minimalCard(clean.tone, text || 'Reply could not be rendered.'), text };
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A block as the renderer sees it: tables and button rows may carry how many were cut to fit. */
type WorkBlock = Block & { cutRows?: number; cutButtons?: number };

function buildCard(tone: Tone, blocks: readonly WorkBlock[]): AdaptiveCard {
  const body: CardElement[] = [];
  blocks.forEach((block, i) => {
    const elements = renderBlock(block);
    if (i === 0 && elements.length) body.push({ type: 'Container', style: TONE_STYLE[tone], items: elements });
    else body.push(...elements);
  });
  return { $schema: CARD_SCHEMA, type: 'AdaptiveCard', version: CARD_VERSION, body, msteams: { width: 'Full' } };
}

function renderBlock(block: WorkBlock): CardElement[] {
  switch (block.type) {
    case 'header':
      return [{ type: 'TextBlock', text: teamsMarkdown(block.text), size: 'Large', weight: 'Bolder', wrap: true }];
    case 'text':
      return [{ type: 'TextBlock', text: teamsMarkdown(block.text), wrap: true }];
    case 'context':
      return [contextBlock(teamsMarkdown(block.text))];
    case 'fields':
      return block.fields.length
        ? [
            {
              type: 'FactSet',
              facts: block.fields.map((f) => ({ title: teamsMarkdown(f.label), value: teamsMarkdown(f.value) })),
            },
          ]
        : [];
    case 'table':
      return renderTable(block.columns, block.rows, block.cutRows ?? 0);
    case 'series':
      return [
        {
          type: 'TextBlock',
          text: seriesLine(block.label, block.values, block.unit),
          fontType: 'Monospace',
          wrap: true,
        },
      ];
    case 'progress': {
      const pct = Number.isFinite(block.percent) ? Math.max(0, Math.min(100, Math.round(block.percent))) : 0;
      const filled = Math.round(pct / 5);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(20 - filled)}`;
      return [
        {
          type: 'TextBlock',
          text: `${bar} ${pct}%${block.text ? ` ${teamsMarkdown(block.text)}` : ''}`,
          fontType: 'Monospace',
          wrap: true,
        },
      ];
    }
    case 'buttons':
      return actionSets(block.buttons, block.cutButtons ?? 0);
    case 'image':
      if (block.png && block.png.length)
        return [
          {
            type: 'Image',
            url: `data:image/png;base64,${block.png.toString('base64')}`,
            altText: block.alt,
            size: 'Stretch',
          },
        ];
      return [{ type: 'TextBlock', text: `Chart: ${teamsMarkdown(block.alt)}`, isSubtle: true, wrap: true }];
  }
}

const contextBlock = (text: string): TextBlock => ({
  type: 'TextBlock',
  text,
  size: 'Small',
  isSubtle: true,
  wrap: true,
});

function renderTable(columns: string[], rows: string[][], cutRows: number): CardElement[] {
  const width = columns.length;
  if (!width) return [];
  const cell = (text: string, bold = false): TableCell => ({
    type: 'TableCell',
    items: [
      { type: 'TextBlock', text: teamsMarkdown(text), wrap: true, ...(bold ? { weight: 'Bolder' as const } : {}) },
    ],
  });
  const row = (cells: string[], bold = false) => ({
    type: 'TableRow' as const,
    cells: columns.map((_, i) => cell(cells[i] ?? '', bold)),
  });
  // Relative column widths from the longest content (capped), so ids stay narrow and titles get room.
  const longest = (i: number) => rows.reduce((m, r) => Math.max(m, [...(r[i] ?? '')].length), [...columns[i]].length);
  const table: CardElement = {
    type: 'Table',
    columns: columns.map((_, i) => ({ width: Math.max(1, Math.min(30, longest(i))) })),
    rows: [row(columns, true), ...rows.map((r) => row(r))],
    firstRowAsHeader: true,
  };
  return cutRows > 0 ? [table, contextBlock(`(truncated, ${cutRows} ${cutRows === 1 ? 'row' : 'rows'} cut)`)] : [table];
}

function seriesLine(label: string, values: readonly number[], unit: string | undefined): string {
  const finite = values.filter((v) => Number.isFinite(v));
  const name = `**${teamsMarkdown(label)}**`;
  if (!finite.length) return `${name}  (no data)`;
  const u = unit ? ` ${unit}` : '';
  const min = finite.reduce((a, b) => Math.min(a, b));
  const max = finite.reduce((a, b) => Math.max(a, b));
  const stats = `min ${num(min)}${u} · max ${num(max)}${u} · last ${num(finite[finite.length - 1])}${u}`;
  return `${name}  ${sparkline(values)}  ${stats}`;
}

/** Short numbers: integers as they are, others to 2 decimals (trailing zeros dropped). */
function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

/**
 * Teams shows at most 6 actions per action set and drops the rest without a word: buttons go
 * into as many sets of 6 as they need, in order, so every one stays one press away; when a card
 * cannot hold every button, a note says how many did not fit.
 */
function actionSets(bs: readonly Button[], cut: number): CardElement[] {
  const out: CardElement[] = [];
  for (let i = 0; i < bs.length; i += TEAMS_LIMITS.actionsPerSet)
    out.push({ type: 'ActionSet', actions: bs.slice(i, i + TEAMS_LIMITS.actionsPerSet).map(submitAction) });
  if (cut > 0)
    out.push(contextBlock(`(${cut} more ${cut === 1 ? 'button' : 'buttons'} did not fit in one Teams card)`));
  return out;
}

function submitAction(b: Button): SubmitAction {
  const style = b.style === 'primary' ? 'positive' : b.style === 'danger' ? 'destructive' : undefined;
  const title =
    [...b.label].length > TEAMS_LIMITS.actionTitle
      ? `${[...b.label].slice(0, TEAMS_LIMITS.actionTitle - 1).join('')}…`
      : b.label;
  return { type: 'Action.Submit', title, data: { sco: 'cmd', command: b.command }, ...(style ? { style } : {}) };
}

function minimalCard(tone: Tone, text: string): AdaptiveCard {
  return buildCard(tone, [{ type: 'text', text: cutChars(text, 1000) }]);
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * Our Markdown into the subset Teams renders (bold, italic, lists). Code spans and fences
 * have no Teams equivalent: the backticks go, the content stays. A single newline is a soft break
 * in Teams' CommonMark, so line breaks become paragraph breaks to keep lines apart.
 * Our replies never hold a link, but they quote data (what people typed, alert annotations), and
 * in Teams `[Approve here](https://evil…)` would show only its words: every CommonMark link
 * form needs a `]` followed by `(`, `[` or `:` (inline, reference, definition), so that `]` is
 * backslash-escaped (with any backslashes before it), and the text shows as typed, URL
 * visible, as Slack shows it. Brackets elsewhere (`help [topic]`) are left alone.
 */
export function teamsMarkdown(s: string): string {
  return s
    .replace(/```[^\n`]*\n?([\s\S]*?)\n?```/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/(\\*)\](?=[([:])/g, (_m, slashes: string) => `${slashes}${slashes}\\]`)
    .replace(/\n+/g, '\n\n');
}

function plainSummary(r: Reply): string {
  const line = summary(r)
    .replace(/```[^\n`]*\n?([\s\S]*?)```/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return [...line].length > SUMMARY_MAX_CHARS ? `${[...line].slice(0, SUMMARY_MAX_CHARS - 1).join('')}…` : line;
}

function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? chars.slice(0, max).join('') : s;
}

// ---------------------------------------------------------------------------------------------
// Size limit

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/** Something that can be made smaller: a long text, or a table's rows. */
interface Shrinkable {
  size: number;
  /** Cut at least `excess` bytes if possible; false when nothing is left to cut. */
  shrink(excess: number): boolean;
}

/** A command too long to be button data is shown as text to type (as in Slack), which can be cut to fit. */
function commandsAsText(b: Block): WorkBlock[] {
  if (b.type !== 'buttons') return [{ ...b }];
  const long = b.buttons.filter((x) => x.command.length > TEAMS_LIMITS.actionCommand);
  if (!long.length) return [{ ...b }];
  return [
    { ...b, buttons: b.buttons.filter((x) => !long.includes(x)) },
    ...long.map((x): WorkBlock => ({ type: 'context', text: `${x.label}: type ${x.command}` })),
  ];
}

function fitCard(r: Reply, maxBytes: number): AdaptiveCard {
  const blocks: WorkBlock[] = r.blocks.flatMap(commandsAsText);
  let card = buildCard(r.tone, blocks);
  if (bytes(card) <= maxBytes) return card;

  // 1. Images go first: their alt text stays.
  blocks.forEach((b, i) => {
    if (b.type === 'image' && b.png)
      blocks[i] = { type: 'image', title: b.title, alt: b.alt, ...(b.path ? { path: b.path } : {}) };
  });
  card = buildCard(r.tone, blocks);

  // 2. Then the biggest text or table, repeatedly, until it fits or nothing can be cut.
  const originals = new Map<string, string>();
  const exhausted = new Set<string>();
  for (let round = 0; round < 200; round++) {
    const excess = bytes(card) - maxBytes;
    if (excess <= 0) return card;
    const candidates = shrinkables(blocks, originals).filter(([key]) => !exhausted.has(key));
    if (!candidates.length) break;
    const [key, target] = candidates.reduce((a, b) => (b[1].size > a[1].size ? b : a));
    if (!target.shrink(excess)) exhausted.add(key);
    card = buildCard(r.tone, blocks);
  }
  if (bytes(card) <= maxBytes) return card;

  // 3. Still too big (thousands of fields or buttons): drop whole blocks from the end, the
  // first block never and buttons last; a row of buttons loses its last buttons before it goes, so
  // as many buttons as fit stay reachable and a note counts the rest.
  const order = blocks
    .map((b, i) => ({ b, i }))
    .filter(({ i }) => i > 0)
    .reverse();
  const dropOrder = [
    ...order.filter(({ b }) => b.type !== 'buttons'),
    ...order.filter(({ b }) => b.type === 'buttons'),
  ].map(({ i }) => i);
  const dropped = new Set<number>();
  const without = () => {
    const at = Math.min(...dropped);
    const note: WorkBlock = {
      type: 'context',
      text: `(truncated, ${dropped.size} ${dropped.size === 1 ? 'block' : 'blocks'} cut)`,
    };
    return blocks.flatMap((b, j) => (j === at ? [note] : dropped.has(j) ? [] : [b]));
  };
  for (const i of dropOrder) {
    const b = blocks[i];
    if (b.type === 'buttons') {
      while (b.buttons.length > 0) {
        card = buildCard(r.tone, dropped.size ? without() : blocks);
        const over = bytes(card) - maxBytes;
        if (over <= 0) return card;
        const per = Math.max(1, bytes(b.buttons) / b.buttons.length);
        const drop = Math.min(b.buttons.length, Math.max(1, Math.ceil((over + NOTE_ROOM) / per)));
        b.buttons = b.buttons.slice(0, b.buttons.length - drop);
        b.cutButtons = (b.cutButtons ?? 0) + drop;
      }
    }
    dropped.add(i);
    card = buildCard(r.tone, without());
    if (bytes(card) <= maxBytes) return card;
  }
  return minimalCard(r.tone, plainSummary(r) || '(truncated)');
}

function shrinkables(blocks: WorkBlock[], originals: Map<string, string>): Array<[string, Shrinkable]> {
  const out: Array<[string, Shrinkable]> = [];
  const text = (key: string, get: () => string, set: (s: string) => void) => {
    if (!originals.has(key)) originals.set(key, get());
    // Texts at or under the floor cannot shrink; leaving them out keeps the loop short.
    if ([...(originals.get(key) ?? '')].length <= KEEP_CHARS) return;
    out.push([key, textShrinkable(originals.get(key) ?? '', get, set)]);
  };
  blocks.forEach((b, i) => {
    switch (b.type) {
      case 'header':
      case 'text':
      case 'context':
        text(
          `${i}`,
          () => b.text,
          (s) => (b.text = s),
        );
        break;
      case 'fields':
        b.fields.forEach((f, j) =>
          text(
            `${i}:${j}`,
            () => f.value,
            (s) => (f.value = s),
          ),
        );
        break;
      case 'table':
        b.rows.forEach((row, j) =>
          row.forEach((cell, k) => {
            if ([...cell].length > LONG_CELL_CHARS || originals.has(`${i}:${j}:${k}`))
              text(
                `${i}:${j}:${k}`,
                () => row[k],
                (s) => (row[k] = s),
              );
          }),
        );
        out.push([`${i}:rows`, tableShrinkable(b)]);
        break;
      default:
        break;
    }
  });
  return out;
}

/** Cuts from the end of the original text; the note says how much is gone in total. */
function textShrinkable(original: string, get: () => string, set: (s: string) => void): Shrinkable {
  return {
    size: bytes(get()),
    shrink(excess) {
      const chars = [...original];
      const current = get();
      const alreadyCut =
        current === original ? 0 : Number(/\(truncated, (\d+) characters cut\)$/.exec(current)?.[1] ?? 0);
      const keep = Math.max(KEEP_CHARS, chars.length - alreadyCut - excess - NOTE_ROOM);
      const cut = chars.length - keep;
      if (keep >= chars.length - alreadyCut) return false;
      // Every character is at least one byte of JSON, so cutting `excess` characters frees `excess` bytes.
      set(`${chars.slice(0, keep).join('')}… (truncated, ${cut} characters cut)`);
      return true;
    },
  };
}

function tableShrinkable(b: Extract<WorkBlock, { type: 'table' }>): Shrinkable {
  const size = bytes(renderTable(b.columns, b.rows, b.cutRows ?? 0));
  return {
    size,
    shrink(excess) {
      if (!b.rows.length) return false;
      const perRow = size / (b.rows.length + 1);
      const drop = Math.min(b.rows.length, Math.max(1, Math.ceil((excess + NOTE_ROOM) / perRow)));
      b.rows = b.rows.slice(0, b.rows.length - drop);
      b.cutRows = (b.cutRows ?? 0) + drop;
      return true;
    },
  };
}
