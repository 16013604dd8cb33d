import { DEFAULT_PROMPT_DIR, readPromptFile } from '../../intent/llm-prompt';
import { windowOf, type InvestigationQuestion } from '../deterministic/observations';
import { trimText } from '../tools/common';

/** The prompt in use: `prompts/<version>.md`. Bump the version for any change in meaning. */
export const INVESTIGATE_PROMPT_VERSION = 'investigate-v1';
export const FINAL_ANSWER_TOOL = 'final_answer';

export interface InvestigatePrompt {
  version: string;
  file: string;
  system: string;
}

/** Read and check the prompt file once. Throws with the path when it is unusable. */
export function loadInvestigatePrompt(
  dir: string = DEFAULT_PROMPT_DIR,
  version: string = INVESTIGATE_PROMPT_VERSION,
): InvestigatePrompt {
  const { file, text } = readPromptFile(dir, version, 'LLM investigation prompt');
  if (!text.includes(FINAL_ANSWER_TOOL) || !/untrusted/i.test(text))
    throw new Error(`LLM investigation prompt ${file} does not describe ${FINAL_ANSWER_TOOL}; is it the right file?`);
  return { version, file, system: text.trim() };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The user message: what is asked, the window and the known services. The asker's own words come
 * in here (trimmed); nothing a tool returns ever does.
 */
export function questionMessage(question: InvestigationQuestion, now: number, services: readonly string[]): string {
  const { fromMs, toMs } = windowOf(question, now);
  const minutes = Math.max(1, Math.min(360, Math.round((toMs - fromMs) / 60_000)));
  const incident = question.incident;
  const about = incident
    ? `incident ${incident.id}${incident.service ? ` on ${incident.service}` : ''}, opened ${iso(incident.startedAtMs)}`
    : question.service
      ? `the service ${question.service}`
      : 'the whole fleet';
  const lines = [
    `Investigate ${about}: what is the most likely root cause of its problems?`,
    ...(question.text ? [`The asker's words: "${trimText(question.text, 500)}"`] : []),
    `Window: ${iso(fromMs)} to ${iso(toMs)} (use minutes=${minutes}, until="${iso(toMs)}"). Now: ${iso(now)}.`,
    `Known services: ${services.join(', ') || 'none listed'}.`,
  ];
  return lines.join('\n');
}
