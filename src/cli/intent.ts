import { createInterface } from 'node:readline';
import { systemClock } from '../clock';
import { secretValues, type Config } from '../config/config';
import { createLogger } from '../log/logger';
import { buildParser } from '../app/parser';
import { createMetrics } from '../telemetry/metrics';

/** `smartcloudops intent`: the parsed intent as JSON, for one text or one per stdin line. */
export async function runIntent(config: Config, options: { text: string; jsonl: boolean }): Promise<number> {
  const log = createLogger({
    level: config.log.level === 'info' ? 'warn' : config.log.level,
    format: config.log.format,
    secrets: secretValues(config),
  });
  const parser = buildParser(config, { metrics: createMetrics(), log, clock: systemClock });
  if (!options.jsonl) {
    if (!options.text.trim()) {
      process.stderr.write('smartcloudops intent: give the text to parse, or --jsonl to read lines from stdin\n');
      return 2;
    }
    process.stdout.write(`${JSON.stringify(await parser.parse(options.text))}\n`);
    return 0;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    process.stdout.write(`${JSON.stringify(await parser.parse(line))}\n`);
  }
  return 0;
}
