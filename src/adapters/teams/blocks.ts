import { summary, type Block, type Button, type Reply, type Step, type Tone } from '../../reply/model';
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
 * Reply blocks as Adaptive Card elements, and our Markdown as the subset Teams renders. No size
 * limit here: render.ts fits the card under Teams' limit with these.
 */

/** The notification/summary text is one line of at most this many characters. */
const SUMMARY_MAX_CHARS = 400;

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

// ---------------------------------------------------------------------------------------------
// Rendering

/** A block as the renderer sees it: tables and button rows may carry how many were cut to fit. */
export type WorkBlock = Block & { cutRows?: number; cutButtons?: number };

export function buildCard(tone: Tone, blocks: readonly WorkBlock[]): AdaptiveCard {
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
    case 'steps':
      return block.steps.length ? [stepsContainer(block.steps)] : [];
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

/** A step's mark on the card: running, done, failed. */
export const STEP_MARK = { running: '⏳', done: '✅', failed: '❌' } as const;

/** Steps as a list: one line each, the mark, the label in bold, the detail subtle. */
function stepsContainer(list: readonly Step[]): Container {
  return {
    type: 'Container',
    items: list.map((s, i): TextBlock => ({
      type: 'TextBlock',
      text: `${STEP_MARK[s.status]} **${teamsMarkdown(s.label)}**${s.detail ? ` — ${teamsMarkdown(s.detail)}` : ''}`,
      wrap: true,
      ...(i > 0 ? { spacing: 'Small' } : {}),
      ...(s.status === 'failed' ? { color: 'Attention' } : {}),
    })),
  };
}

const contextBlock = (text: string): TextBlock => ({
  type: 'TextBlock',
  text,
  size: 'Small',
  isSubtle: true,
  wrap: true,
});

export function renderTable(columns: string[], rows: string[][], cutRows: number): CardElement[] {
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

export function minimalCard(tone: Tone, text: string): AdaptiveCard {
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

export function plainSummary(r: Reply): string {
  const line = summary(r)
    .replace(/```[^\n`]*\n?([\s\S]*?)```/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return [...line].length > SUMMARY_MAX_CHARS ? `${[...line].slice(0, SUMMARY_MAX_CHARS - 1).join('')}…` : line;
}

export function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? chars.slice(0, max).join('') : s;
}
