import type { CheckedIntent, Intent } from '../intent/schema';
import { context, reply, text } from '../reply/model';
import type { MetricsSource } from '../sources/types';
import { COMMANDS } from './catalog';
import type { CommandContext, CommandOutcome } from './context';
import { didYouMean } from '../reply/did-you-mean';
import { mayRun, refusal } from './rbac';

export const REPLICAS_MIN = 1;
export const REPLICAS_MAX = 50;

/**
 * What the checks made of an intent: a refusal, a request still missing required slots, or an
 * intent that may go ahead, typed with its required slots present.
 */
export type Verdict =
  | { kind: 'refused'; intent: Intent; outcome: CommandOutcome }
  | { kind: 'incomplete'; intent: Intent }
  | { kind: 'ready'; intent: CheckedIntent };

/**
 * Everything that may refuse an intent before it runs or is confirmed: RBAC, then names
 * against the catalog, then bounds; then whether its required slots are there. Parsers (rules or
 * LLM) only propose; this decides, once per message, button or REST call.
 */
export async function checkIntent(ctx: CommandContext, intent: Intent, source: MetricsSource): Promise<Verdict> {
  const refusal = await refuse(ctx, intent, source);
  if (refusal) return { kind: 'refused', intent, outcome: refusal };
  if (intent.missing.length) return { kind: 'incomplete', intent };
  // `missing` lists the required slots that are absent (makeIntent derives it), so none is.
  return { kind: 'ready', intent: intent as CheckedIntent };
}

async function refuse(ctx: CommandContext, intent: Intent, source: MetricsSource): Promise<CommandOutcome | undefined> {
  if (intent.intent !== 'unknown' && !mayRun(ctx.actor, intent.intent)) {
    const { permission } = COMMANDS[intent.intent];
    ctx.log.warn('command denied', { intent: intent.intent, actor: ctx.actor.id, role: ctx.actor.role });
    ctx.audit?.record({
      actor: ctx.actor.id,
      action: `command.${intent.intent}`,
      outcome: 'denied',
      detail: { platform: ctx.platform, role: ctx.actor.role, permission },
    });
    return {
      outcome: 'denied',
      // Recorded just above, so no caller records it again.
      ...(ctx.audit ? { audited: true } : {}),
      reply: reply('error', text(refusal(ctx.actor, permission, `\`${intent.intent}\``))),
    };
  }
  const service = serviceSlot(intent);
  if (service !== undefined) {
    const known = (await source.services()).map((s) => s.name);
    if (!known.includes(service)) {
      return {
        outcome: 'invalid',
        reply: reply(
          'warning',
          text(`I don't know a service called “${service}”.${didYouMean(service, known)}`),
          context(`Known services: ${known.join(', ')}`),
        ),
      };
    }
  }
  if (intent.intent === 'remediate') {
    const { action, replicas } = intent.slots;
    if (action === 'scale' && replicas !== undefined && (replicas < REPLICAS_MIN || replicas > REPLICAS_MAX)) {
      return {
        outcome: 'invalid',
        reply: reply(
          'warning',
          text(`Replicas must be between ${REPLICAS_MIN} and ${REPLICAS_MAX}; you asked for ${replicas}.`),
        ),
      };
    }
  }
  return undefined;
}

function serviceSlot(intent: Intent): string | undefined {
  switch (intent.intent) {
    case 'status':
    case 'detect_anomalies':
    case 'investigate':
      return intent.slots.service;
    case 'remediate':
      return intent.slots.target;
    default:
      return undefined;
  }
}
