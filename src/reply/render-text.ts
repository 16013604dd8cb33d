import type { Block, Reply, Step } from './model';
import { sanitizeReply } from './sanitize';
import { sparkline } from './sparkline';

const TONE_MARK = { info: '', success: '✓ ', warning: '! ', error: '✗ ' } as const;

export interface TextRenderOptions {
  /** ANSI bold/dim for a terminal. */
  color?: boolean;
}

/**
 * Console rendering of a Reply: plain text, box-free tables, sparklines, buttons as commands.
 * Text is cleaned first as on every platform (./sanitize.ts), so data cannot drive the terminal.
 */
export function renderText(dirty: Reply, options: TextRenderOptions = {}): string {
  const r = sanitizeReply(dirty);
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[22m` : s);
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[22m` : s);
  const lines: string[] = [];
  r.blocks.forEach((block, i) => {
    const mark = i === 0 ? TONE_MARK[r.tone] : '';
    lines.push(...renderBlock(block, mark, bold, dim));
  });
  return lines.join('\n');
}

function renderBlock(block: Block, mark: string, bold: (s: string) => string, dim: (s: string) => string): string[] {
  switch (block.type) {
    case 'header':
      return [bold(mark + block.text)];
    case 'text':
      return [mark + block.text];
    case 'context':
      return [dim(mark + block.text)];
    case 'fields': {
      const width = Math.max(...block.fields.map((f) => f.label.length));
      return block.fields.map((f) => `  ${f.label.padEnd(width)}  ${f.value}`);
    }
    case 'table':
      return renderTable(block.columns, block.rows, bold);
    case 'series':
      return [`  ${block.label}  ${sparkline(block.values)}${block.unit ? `  ${dim(block.unit)}` : ''}`];
    case 'progress': {
      const pct = Math.max(0, Math.min(100, Math.round(block.percent)));
      const filled = Math.round(pct / 5);
      return [`  [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${pct}%${block.text ? ` ${block.text}` : ''}`];
    }
    case 'steps':
      return block.steps.map((s) => stepLine(s));
    case 'buttons':
      return [dim(`  ${block.buttons.map((b) => `[${b.label}: ${b.command}]`).join('  ')}`)];
    case 'image':
      return [`  [chart: ${block.alt}${block.path ? ` — saved to ${block.path}` : ''}]`];
  }
}

const STEP_MARK = { running: '…', done: '✓', failed: '✗' } as const;

/** One step as a console line: `  ✓ label — detail`. */
export function stepLine(s: Step): string {
  return `  ${STEP_MARK[s.status]} ${s.label}${s.detail ? ` — ${s.detail}` : ''}`;
}

function renderTable(columns: string[], rows: string[][], bold: (s: string) => string): string[] {
  const widths = columns.map((c, i) => Math.max(displayWidth(c), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c ?? '', widths[i]))
      .join('  ')
      .trimEnd();
  return [bold(line(columns)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function displayWidth(s: string): number {
  return [...s].length;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}
