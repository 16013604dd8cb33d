import type { Clock } from '../clock';
import { secretValues, type Config } from '../config/config';
import { createHybridParser } from '../intent/hybrid';
import { createLlmParser } from '../intent/llm';
import type { IntentParser } from '../intent/parser';
import { parseRules } from '../intent/rules';
import type { Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import type { Metrics } from '../telemetry/metrics';

/** Rules, with the LLM in front of low-confidence answers when OPENAI_API_KEY or OPENAI_BASE_URL is set. */
export function buildParser(
  config: Config,
  deps: { metrics: Metrics; log: Logger; clock: Clock; services?: () => Promise<string[]> },
): IntentParser {
  const llm =
    config.openai.apiKey || config.openai.baseUrl
      ? createLlmParser({
          ...config.openai,
          metrics: deps.metrics,
          log: deps.log,
          clock: deps.clock,
          redactor: new Redactor(secretValues(config)),
        })
      : undefined;
  return createHybridParser({ rules: parseRules, llm, log: deps.log, services: deps.services });
}
