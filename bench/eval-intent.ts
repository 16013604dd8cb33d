import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRules } from '../src/intent/rules';
import type { Intent } from '../src/intent/schema';
import { projectRoot } from './nab/paths';

export interface Labelled {
  text: string;
  intent: string;
  slots: Record<string, unknown>;
}

export interface EvalReport {
  total: number;
  intentAccuracy: number;
  slotAccuracy: number;
  /** Predicted remediate where the label is not remediate: the error that must never happen. */
  falseRemediations: Array<{ text: string; expected: string }>;
  misses: Array<{
    text: string;
    expected: string;
    got: string;
    expectedSlots: Record<string, unknown>;
    gotSlots: Record<string, unknown>;
  }>;
}

export const FIXTURES_DIR = join(projectRoot(__dirname), 'tests', 'fixtures');

export function loadFixtures(file: string): Labelled[] {
  return readFileSync(join(FIXTURES_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Labelled);
}

function sameSlots(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/** Intent accuracy, exact-slot accuracy (slots count only when the intent is right) and false remediations. */
export function evaluate(parse: (text: string) => Intent, cases: Labelled[]): EvalReport {
  let intentsRight = 0;
  let slotsRight = 0;
  const falseRemediations: EvalReport['falseRemediations'] = [];
  const misses: EvalReport['misses'] = [];
  for (const c of cases) {
    const got = parse(c.text);
    const slots = got.slots as Record<string, unknown>;
    if (got.intent === c.intent) {
      intentsRight++;
      if (sameSlots(slots, c.slots)) slotsRight++;
      else misses.push({ text: c.text, expected: c.intent, got: got.intent, expectedSlots: c.slots, gotSlots: slots });
    } else {
      misses.push({ text: c.text, expected: c.intent, got: got.intent, expectedSlots: c.slots, gotSlots: slots });
    }
    if (got.intent === 'remediate' && c.intent !== 'remediate')
      falseRemediations.push({ text: c.text, expected: c.intent });
  }
  return {
    total: cases.length,
    intentAccuracy: intentsRight / cases.length,
    slotAccuracy: slotsRight / cases.length,
    falseRemediations,
    misses,
  };
}

async function main(): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  for (const [label, file] of [
    ['labelled set', 'intents.jsonl'],
    ['held-out set', 'intents-holdout.jsonl'],
  ] as const) {
    const report = evaluate(parseRules, loadFixtures(file));
    process.stdout.write(
      `${label} (${file}, ${report.total} utterances, rules parser): ` +
        `intent accuracy ${report.intentAccuracy.toFixed(3)}, slot accuracy ${report.slotAccuracy.toFixed(3)}, ` +
        `false remediations ${report.falseRemediations.length}\n`,
    );
    for (const f of report.falseRemediations)
      process.stdout.write(`  FALSE REMEDIATION: ${JSON.stringify(f.text)} (label ${f.expected})\n`);
    if (verbose)
      for (const m of report.misses)
        process.stdout.write(
          `  miss: ${JSON.stringify(m.text)} expected ${m.expected} ${JSON.stringify(m.expectedSlots)} ` +
            `got ${m.got} ${JSON.stringify(m.gotSlots)}\n`,
        );
  }
}

if (require.main === module) void main();
