/**
 * The LLM investigation agent (issue 16 point 5). Callers use `investigateWithAgent` and
 * `agentFooter`; the rest is its inside.
 */
export { investigateWithAgent } from './agent';
export { agentFooter, formatUsd } from './footer';
export { finalAnswerSchema, type FinalAnswer } from './answer';
export { FINAL_ANSWER_TOOL, INVESTIGATE_PROMPT_VERSION, loadInvestigatePrompt } from './prompt';
export * from './types';
