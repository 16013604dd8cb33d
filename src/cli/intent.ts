import { createInterface } from 'node:readline';
import { parseRules } from '../intent/rules';

/** `smartcloudops intent`: the parsed intent as JSON, for one text or one per stdin line. */
export async function runIntent(options: { text: string; jsonl: boolean }): Promise<number> {
  if (!options.jsonl) {
    if (!options.text.trim()) {
      process.stderr.write('smartcloudops intent: give the text to parse, or --jsonl to read lines from stdin\n');
      return 2;
    }
    process.stdout.write(`${JSON.stringify(parseRules(options.text))}\n`);
    return 0;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    process.stdout.write(`${JSON.stringify(parseRules(line))}\n`);
  }
  return 0;
}
