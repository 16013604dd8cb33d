import type { RateLimiter } from '../auth/rate-limit';
import type { Clock } from '../clock';
import type { Commands } from '../commands/handler';
import type { CommandContext, CommandOutcome } from '../commands/context';
import type { AuditLog } from '../audit/types';
import type { Identity } from '../identity/identity';
import { slotQuestion } from '../intent/fill';
import { toCommand } from '../intent/format';
import type { IntentParser } from '../intent/parser';
import type { Intent } from '../intent/schema';
import type { Logger } from '../log/logger';
import type { IncomingMessage, ReplySink } from '../ports/chat';
import type { JobQueue } from '../queue/types';
import { buttons, context, reply, text, type Reply } from '../reply/model';
import { exposedSecretWarning, redactSecrets } from '../reply/sanitize';
import type { Metrics } from '../telemetry/metrics';
import type { Jobs } from '../jobs/map';
import { follow, type FollowDeps } from './follow';
import { createPendingStore, type PendingStore } from './pending';
import { traceCommand, traceMessage, tracedSink } from './trace';
import { understand } from './understand';

export type MessageOutcome = CommandOutcome['outcome'] | 'asked' | 'awaiting_confirmation' | 'dropped' | 'rate_limited';

export interface HandledMessage {
  outcome: MessageOutcome;
  intent: string;
  /** The job the message started, if any. */
  job?: { id: string; name: string };
  /** Resolves when the job the message started (if any) has finished and its result is posted. */
  done: Promise<void>;
}

export interface ConversationDeps {
  identity: Identity;
  /** Where denials are recorded. */
  audit?: AuditLog;
  parser: IntentParser;
  commands: Commands;
  queue: JobQueue<Jobs>;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  /** Least time between two progress edits of one message. */
  progressIntervalMs?: number;
  /** The reply for a finished job it follows (default presentFinished). */
  finished?: FollowDeps['finished'];
  /** Commands a person may send a minute (RATE_LIMIT_CHAT_PER_MIN); past it they are asked to slow down. */
  rateLimit?: RateLimiter;
}

let messageSeq = 0;

/**
 * One message through the flow: identity -> intent -> checks -> (question | confirmation |
 * command) -> reply, then, for a job, live progress edits and the result in its place.
 */
export function createConversation(deps: ConversationDeps) {
  const following: FollowDeps = {
    queue: deps.queue,
    intervalMs: deps.progressIntervalMs ?? 500,
    ...(deps.finished ? { finished: deps.finished } : {}),
  };
  const pending = createPendingStore(deps.clock);

  return {
    handleMessage(typed: IncomingMessage, given: ReplySink): Promise<HandledMessage> {
      return traceMessage(typed, () => handle(typed, tracedSink(given, typed.platform)));
    },
  };

  async function handle(typed: IncomingMessage, given: ReplySink): Promise<HandledMessage> {
    // Renderers hide secrets in every reply; a message that held one also says to revoke it, on every edit.
    const warning = exposedSecretWarning(typed.text);
    // A secret never reaches the parser (the LLM), slots, pending questions or echoes: once a
    // word is a slot (lower-cased, "unknown service …") no rule could recognise it any more.
    const msg: IncomingMessage = warning ? { ...typed, text: redactSecrets(typed.text) } : typed;
    const withWarning = (r: Reply): Reply => (warning ? { ...r, blocks: [...r.blocks, warning] } : r);
    const sink: ReplySink = {
      post: (r) => given.post(withWarning(r)),
      update: (ref, r) => given.update(ref, withWarning(r)),
      ...(given.steps ? { steps: given.steps.bind(given) } : {}),
    };
    const log = deps.log.child({
      msg: `${msg.platform}-${++messageSeq}`,
      platform: msg.platform,
      channel: msg.channel,
    });
    const actor = deps.identity.resolve(msg.platform, msg.user, msg.userName);
    const ctx: CommandContext = {
      actor,
      platform: msg.platform,
      channel: msg.channel,
      ...(msg.thread ? { thread: msg.thread } : {}),
      log,
      ...(deps.audit ? { audit: deps.audit } : {}),
    };
    const key = `${msg.platform}\u0000${msg.channel}\u0000${msg.thread ?? ''}\u0000${actor.id}`;
    const limited = deps.rateLimit?.take(actor.id);
    const understood =
      limited && !limited.ok
        ? slowDown(deps, msg.platform, limited.retryAfterS)
        : await understand(deps, pending, msg, key);
    const result =
      'answered' in understood
        ? { outcome: understood.outcome, reply: understood.answered, job: undefined }
        : await traceCommand(understood.intent.intent, () =>
            decide(deps.commands, pending, ctx, key, understood, msg.text),
          );
    const intentName = typeof understood.intent === 'string' ? understood.intent : understood.intent.intent;
    deps.metrics.chatMessages.inc({ platform: msg.platform, intent: intentName, outcome: result.outcome });
    log.info('message handled', {
      actor: actor.id,
      intent: intentName,
      outcome: result.outcome,
      job: result.job?.id,
    });
    const ref = await sink.post(result.reply);
    const job = result.job;
    const done = job
      ? follow(following, job.id, result.reply, ref, sink, log).catch((err: unknown) => {
          log.error('following the job failed', { err, job: job.id });
        })
      : Promise.resolve();
    return { outcome: result.outcome, intent: intentName, ...(job ? { job } : {}), done };
  }
}

/** Over the chat limit: nothing is parsed or run; the person is told when to try again. */
function slowDown(deps: ConversationDeps, platform: string, retryAfterS: number) {
  deps.metrics.rateLimited.inc({ surface: 'chat' });
  const perMinute = deps.rateLimit?.perMinute ?? 0;
  return {
    intent: 'unknown',
    outcome: 'rate_limited' as const,
    answered: reply(
      'warning',
      text(
        `Slow down: at most ${perMinute} commands a minute per person (on ${platform} or anywhere else). ` +
          `Try again in ${retryAfterS} s.`,
      ),
    ),
  };
}

/**
 * What to do with an understood intent: the one check, then a question for a missing slot, a
 * confirmation for a remediation asked in natural language, or the command itself.
 */
async function decide(
  commands: Commands,
  pending: PendingStore,
  ctx: CommandContext,
  key: string,
  understood: { intent: Intent; explicit: boolean; confirmed: boolean },
  rawText: string,
): Promise<{ outcome: MessageOutcome; reply: Reply; job?: CommandOutcome['job'] }> {
  const { intent, explicit, confirmed } = understood;
  // The one check; what it lets through runs as checked, without a second one.
  const verdict = await commands.check(ctx, intent);
  if (verdict.kind === 'refused') return verdict.outcome;
  if (verdict.kind === 'incomplete') {
    const [missing] = intent.missing;
    pending.set(key, { kind: 'slot', intent, slot: missing, explicit });
    return {
      outcome: 'asked',
      reply: reply('info', text(slotQuestion(intent.intent, missing))),
    };
  }
  if (intent.intent === 'remediate' && !explicit && !confirmed) {
    // Natural language (rules or LLM) never acts directly: echo the exact command, ask.
    pending.set(key, { kind: 'confirm', intent });
    return {
      outcome: 'awaiting_confirmation',
      reply: reply(
        'warning',
        text(`Did you mean \`${toCommand(intent)}\`?`),
        buttons([
          { label: 'Confirm', command: 'yes', style: 'primary' },
          { label: 'Cancel', command: 'no' },
        ]),
        context('Reply `yes` to run it, `no` to drop it.'),
      ),
    };
  }
  return commands.run(ctx, verdict, rawText);
}

export type Conversation = ReturnType<typeof createConversation>;
