import { readFileSync } from 'node:fs';

export interface AnchorRow {
  detector: string;
  standard: number;
  lowFP: number;
  lowFN: number;
  /** As printed ("0.543099 / 0.575336 / 0.543099", "—"). */
  thresholds: string;
}

/**
 * The anchor table of shared/nab/README.md ("Anchor scores on exactly these 41 files"): NAB's
 * shipped detectors scored by nab_score.py on the same files, so directly comparable.
 */
export function parseAnchors(readmePath: string): AnchorRow[] {
  const text = readFileSync(readmePath, 'utf8');
  const at = text.search(/^## Anchor scores/m);
  if (at < 0) throw new Error(`${readmePath}: no "## Anchor scores" section`);
  const rows: AnchorRow[] = [];
  for (const line of text.slice(at).split('\n').slice(1)) {
    if (/^##/.test(line)) break;
    if (!line.startsWith('|')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/\*\*/g, ''));
    const [detector, std, fp, fn, thresholds] = cells;
    if (cells.length < 4 || !/^-?\d/.test(std)) continue; // header and separator rows
    rows.push({ detector, standard: Number(std), lowFP: Number(fp), lowFN: Number(fn), thresholds: thresholds ?? '' });
  }
  if (rows.length === 0) throw new Error(`${readmePath}: the anchor table is empty`);
  return rows;
}
