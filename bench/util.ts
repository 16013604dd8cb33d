import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function percentile(sortedAsc: number[], p: number): number {
  if (sortedAsc.length === 0) return NaN;
  const i = Math.min(sortedAsc.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAsc.length) - 1));
  return sortedAsc[i];
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Print rows as an aligned table: name, value, unit, target, verdict. */
export function printTable(
  title: string,
  rows: Array<{ name: string; value: number | string; unit?: string; target?: string; pass?: boolean }>,
): void {
  const line = (cells: string[], widths: number[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const cells = rows.map((r) => [
    r.name,
    String(r.value),
    r.unit ?? '',
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'ok' : 'BELOW TARGET',
  ]);
  const header = ['measure', 'value', 'unit', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  process.stdout.write(
    `\n## ${title}\n${line(header, widths)}\n${line(
      widths.map((w) => '-'.repeat(w)),
      widths,
    )}\n${cells.map((c) => line(c, widths)).join('\n')}\n`,
  );
}

/** A bench file run on its own (`node .bench/bench/x.js`): exit 0 when it finishes, 1 with the error when it fails. */
export function runAsScript(bench: () => Promise<void>): void {
  bench().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
