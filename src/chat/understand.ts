import { fillSlot, slotQuestion } from '../intent/fill';
import { toCommand } from '../intent/format';
import { normalize } from '../intent/normalize';
import type { IntentParser } from '../intent/parser';
import type { Intent } from '../intent/schema';
import type { IncomingMessage } from '../ports/chat';
import { context, reply, text, type Reply } from '../reply/model';
import type { Metrics } from '../telemetry/metrics';
import { inSpan } from '../telemetry/spans';
import { yesOrNo, type PendingStore } from './pending';

/** A new command interrupts a pending question only if the parser is this sure of it. */
const INTERRUPT_CONFIDENCE = 0.9;
const SLASH = /^\s*(<@[^>]+>\s*)?\/ops\b/i;

export interface UnderstandDeps {
  parser: IntentParser;
  metrics: Metrics;
}

/** What a message means: an intent to check and run, or an answer already given to it. */
export type Understood =
  | { intent: Intent; explicit: boolean; confirmed: boolean }
  | { answered: Reply; intent: string; outcome: 'asked' | 'dropped' };

/** The parse in its `intent.parse` span (the LLM call, when the rules are unsure, is a span inside it). */
function parse(deps: UnderstandDeps, textIn: string): Promise<Intent> {
  return inSpan('intent.parse', {}, async (span) => {
    const started = process.hrtime.bigint();
    const intent = await deps.parser.parse(textIn);
    deps.metrics.intentParseDuration.observe(
      { source: intent.source },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    span.setAttributes({
      'intent.name': intent.intent,
      'intent.source': intent.source,
      'intent.confidence': intent.confidence,
    });
    return intent;
  });
}

/**
 * Resolve what this message means, given what the bot was waiting for in this thread. A
 * confirmation is answered by this message or dropped. A question is answered by a message that
 * fits it; a clear new command answers itself instead: a complete one of another kind (a look at
 * `jobs` before answering) leaves the question open, one of the same kind replaces it.
 */
export async function understand(
  deps: UnderstandDeps,
  pending: PendingStore,
  msg: IncomingMessage,
  key: string,
): Promise<Understood> {
  const explicit = SLASH.test(msg.text);
  const waiting = pending.get(key);
  if (waiting?.kind !== 'slot') pending.delete(key);
  if (waiting?.kind === 'confirm') {
    const answer = yesOrNo(normalize(msg.text));
    if (answer === 'yes') return { intent: waiting.intent, explicit: true, confirmed: true };
    if (answer === 'no')
      return {
        answered: reply('info', text(`OK, I won't run \`${toCommand(waiting.intent)}\`. Nothing was changed.`)),
        intent: waiting.intent.intent,
        outcome: 'dropped',
      };
  }
  if (waiting?.kind === 'slot' && yesOrNo(normalize(msg.text)) === 'no') {
    pending.delete(key);
    return { answered: reply('info', text('OK, dropped.')), intent: waiting.intent.intent, outcome: 'dropped' };
  }
  const parsed = await parse(deps, msg.text);
  if (waiting?.kind === 'slot') {
    const command = parsed.intent !== 'unknown' && parsed.confidence >= INTERRUPT_CONFIDENCE;
    const complete = command && parsed.missing.length === 0;
    const filled = complete ? undefined : fillSlot(waiting.intent, waiting.slot, msg.text);
    if (filled) {
      pending.delete(key);
      return { intent: filled, explicit: waiting.explicit, confirmed: false };
    }
    if (!command) {
      return {
        answered: reply(
          'warning',
          text(`Sorry, I need an answer to: ${slotQuestion(waiting.intent.intent, waiting.slot)}`),
          context('or say `cancel`'),
        ),
        intent: waiting.intent.intent,
        outcome: 'asked',
      };
    }
    if (!complete || parsed.intent === waiting.intent.intent) pending.delete(key);
  }
  return { intent: parsed, explicit, confirmed: false };
}
