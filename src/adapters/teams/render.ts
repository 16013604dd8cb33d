import type { Block, Reply } from '../../reply/model';
import { sanitizeReply } from '../../reply/sanitize';
import { buildCard, minimalCard, plainSummary, renderTable, TONE_STYLE, type WorkBlock } from './blocks';
import { TEAMS_LIMITS, type AdaptiveCard } from './card';

/** Tone -> style of the card's top Container (see blocks.ts). */
export { TONE_STYLE };

/**
 * Teams rejects a message over ~28 KB; the card gets 27,000 bytes of serialized JSON and the rest
 * is left for the activity envelope and the summary text.
 */
export const MAX_CARD_BYTES = 27_000;
/** A truncated text keeps at least this many characters. */
const KEEP_CHARS = 100;
/** Room for "… (truncated, 123456 characters cut)" when deciding how much to cut. */
const NOTE_ROOM = 48;
/** Table cells longer than this are truncated individually before rows are dropped. */
const LONG_CELL_CHARS = 500;

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
