import type { Intent } from './schema';

/** The intent port: the rules parser is the embedded default; an LLM parser can stand in front. */
export interface IntentParser {
  readonly source: 'rules' | 'llm';
  parse(text: string): Promise<Intent>;
}
