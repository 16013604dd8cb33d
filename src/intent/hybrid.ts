import type { Logger } from '../log/logger';
import type { IntentParser } from './parser';
import type { Intent } from './schema';
import type { LlmOutcome } from './llm';

export interface LlmIntentSource {
  parse(text: string, hints?: { services?: string[] }): Promise<LlmOutcome>;
}

export interface HybridOptions {
  rules: (text: string) => Intent;
  llm?: LlmIntentSource;
  /** Below this rules confidence, ask the LLM. */
  threshold?: number;
  services?: () => Promise<string[]>;
  log: Logger;
}

export const LLM_THRESHOLD = 0.6;

/**
 * Rules first; the LLM only when the rules are not confident. Any LLM failure (timeout, 429,
 * error, invalid answer, spent budget) falls back to the rules' answer: the bot keeps working
 * when the LLM is slow, wrong or absent. The LLM only ever proposes; the caller validates,
 * checks RBAC and the catalog, and asks for confirmation like for any other natural language.
 */
export function createHybridParser(options: HybridOptions): IntentParser {
  const threshold = options.threshold ?? LLM_THRESHOLD;
  const { llm } = options;
  if (!llm) return { source: 'rules', parse: async (text) => options.rules(text) };
  return {
    source: 'llm',
    async parse(text) {
      const fromRules = options.rules(text);
      if (fromRules.confidence >= threshold) return fromRules;
      const services = options.services ? await options.services().catch(() => undefined) : undefined;
      const outcome = await llm.parse(text, services ? { services } : undefined);
      if (outcome.ok) return outcome.intent;
      options.log.info('LLM intent fell back to rules', { reason: outcome.reason, detail: outcome.detail });
      return fromRules;
    },
  };
}
