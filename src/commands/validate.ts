import type { Intent } from '../intent/schema';
import { context, reply, text } from '../reply/model';
import type { MetricsSource } from '../sources/types';
import { COMMANDS } from './catalog';
import type { CommandContext, CommandOutcome } from './context';
import { didYouMean } from './names';
import { mayRun, refusal } from './rbac';

export const REPLICAS_MIN = 1;
export const REPLICAS_MAX = 50;

/**
 * Everything that may refuse an intent before it runs or is confirmed: RBAC, then names
 * against the catalog, then bounds. Parsers (rules or LLM) only propose; this decides.
 */
export async function checkIntent(
  ctx: CommandContext,
  intent: Intent,
  source: MetricsSource,
): Promise<CommandOutcome | undefined> {
  if (intent.intent !== 'unknown' && !mayRun(ctx.actor, intent.intent)) {
    const { permission } = COMMANDS[intent.intent];
    ctx.log.warn('command denied', { intent: intent.intent, actor: ctx.actor.id, role: ctx.actor.role });
    ctx.audit?.record({
      actor: ctx.actor.id,
      action: `command.${intent.intent}`,
      outcome: 'denied',
      detail: { platform: ctx.platform, role: ctx.actor.role, permission },
    });
    return { outcome: 'denied', reply: reply('error', text(refusal(ctx.actor, permission, `\`${intent.intent}\``))) };
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
