import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The prompt in use; the file is `prompts/<version>.md`. Bump the version for any change in meaning. */
export const PROMPT_VERSION = 'intent-v1';

/**
 * Where prompts live: `prompts/` at the package root, outside `src/` (STYLE.md: prompt text is
 * data). Two levels up from this file both from `src/intent/` (ts, jest) and `dist/intent/` (tsc).
 */
export const DEFAULT_PROMPT_DIR = path.join(__dirname, '..', '..', 'prompts');

/**
 * A prompt file's text (`prompts/<version>.md`, line ends normalised), or an Error naming the file
 * and how to fix it. `what` names the prompt in that message ("LLM intent prompt").
 */
export function readPromptFile(dir: string, version: string, what: string): { file: string; text: string } {
  const file = path.join(dir, `${version}.md`);
  try {
    return { file, text: readFileSync(file, 'utf8').replace(/\r\n/g, '\n') };
  } catch (err) {
    throw new Error(
      `${what} not found at ${file} (${err instanceof Error ? err.message : String(err)}); ` +
        'ship the prompts/ folder next to dist/ or pass promptDir',
    );
  }
}

export interface PromptExample {
  message: string;
  /** The arguments of the one `propose_intent` call, as JSON text. */
  call: string;
}

export interface IntentPrompt {
  version: string;
  file: string;
  /** The system message: the whole file. */
  system: string;
  /** The few-shot examples in it, parsed so tests can hold them to the contract. */
  examples: PromptExample[];
}

const EXAMPLE = /^- message: `(.*)`\n {2}call: `(.*)`$/gm;

/** Read and check a prompt file once, at construction. Throws with the path when it is unusable. */
export function loadPrompt(dir: string = DEFAULT_PROMPT_DIR, version: string = PROMPT_VERSION): IntentPrompt {
  const { file, text } = readPromptFile(dir, version, 'LLM intent prompt');
  const examples = [...text.matchAll(EXAMPLE)].map((m) => ({ message: m[1] as string, call: m[2] as string }));
  if (!text.includes('propose_intent') || examples.length === 0) {
    throw new Error(`LLM intent prompt ${file} has no propose_intent examples; is it the right file?`);
  }
  return { version, file, system: text.trim(), examples };
}

/** The deployment-specific tail of the system message: known service names, when the caller has them. */
export function hintsSection(services: readonly string[] | undefined): string {
  const names = (services ?? [])
    .map((s) => s.trim().toLowerCase())
    .filter((s) => /^[a-z0-9][a-z0-9._-]{0,62}$/.test(s));
  if (names.length === 0) return '';
  const unique = [...new Set(names)].slice(0, 100);
  return (
    `\n\n## This deployment\n\nKnown services: ${unique.join(', ')}. ` +
    `Use one of these names when the message clearly refers to it; otherwise keep the user's word.`
  );
}
