import type { Clock } from '../clock';
import type { Commands } from '../commands/handler';
import type { CommandContext, CommandOutcome } from '../commands/context';
import { presentFinished } from '../present/jobs';
import type { AuditLog } from '../audit/types';
import type { Identity } from '../identity/identity';
import { SLOT_QUESTIONS, fillSlot } from '../intent/fill';
import { toCommand } from '../intent/format';
import { normalize } from '../intent/normalize';
import type { IntentParser } from '../intent/parser';
import type { Intent } from '../intent/schema';
import type { Logger } from '../log/logger';
import type { IncomingMessage, MessageRef, ReplySink } from '../ports/chat';
import type { JobQueue } from '../queue/types';
import { buttons, context, progress as progressBlock, reply, text, type Reply } from '../reply/model';
import { exposedSecretWarning, redactSecrets } from '../reply/sanitize';
import type { Metrics } from '../telemetry/metrics';
import type { Jobs } from '../jobs/map';
import { createPendingStore, yesOrNo } from './pending';

export type MessageOutcome = CommandOutcome['outcome'] | 'asked' | 'awaiting_confirmation' | 'dropped';

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
}

/** A new command interrupts a pending question only if the parser is this sure of it. */
const INTERRUPT_CONFIDENCE = 0.9;
const SLASH = /^\s*(<@[^>]+>\s*)?\/ops\b/i;

let messageSeq = 0;

/**
 * One message through the flow: identity -> intent -> checks -> (question | confirmation |
 * command) -> reply, then, for a job, live progress edits and the result in its place.
 */
export function createConversation(deps: ConversationDeps) {
  const interval = deps.progressIntervalMs ?? 500;
  const pending = createPendingStore(deps.clock);

  async function parse(textIn: string): Promise<Intent> {
    const started = process.hrtime.bigint();
    const intent = await deps.parser.parse(textIn);
    deps.metrics.intentParseDuration.observe(
      { source: intent.source },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    return intent;
  }

  /**
   * Resolve what this message means, given what the bot was waiting for in this thread. A
   * confirmation is answered by this message or dropped. A question is answered by a message that
   * fits it; a clear new command answers itself instead: a complete one of another kind (a look at
   * `jobs` before answering) leaves the question open, one of the same kind replaces it.
   */
  async function understand(
    msg: IncomingMessage,
    key: string,
  ): Promise<
    | { intent: Intent; explicit: boolean; confirmed: boolean }
    | { answered: Reply; intent: string; outcome: MessageOutcome }
  > {
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
    const parsed = await parse(msg.text);
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
            text(`Sorry, I need an answer to: ${SLOT_QUESTIONS[waiting.slot] ?? `what is the ${waiting.slot}?`}`),
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

  async function decide(
    ctx: CommandContext,
    key: string,
    intent: Intent,
    explicit: boolean,
    confirmed: boolean,
    rawText: string,
  ): Promise<{ outcome: MessageOutcome; reply: Reply; job?: CommandOutcome['job'] }> {
    // The one check; what it lets through runs as checked, without a second one.
    const verdict = await deps.commands.check(ctx, intent);
    if (verdict.kind === 'refused') return verdict.outcome;
    if (verdict.kind === 'incomplete') {
      const [missing] = intent.missing;
      pending.set(key, { kind: 'slot', intent, slot: missing, explicit });
      return {
        outcome: 'asked',
        reply: reply('info', text(SLOT_QUESTIONS[missing] ?? `What is the ${missing.replace('_', ' ')}?`)),
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
    return deps.commands.run(ctx, verdict, rawText);
  }

  async function follow(jobId: string, ack: Reply, ref: MessageRef, sink: ReplySink, log: Logger): Promise<void> {
    let lastEdit = 0;
    let edits = Promise.resolve();
    const off = deps.queue.on('progress', (e) => {
      if (e.id !== jobId) return;
      const now = Date.now();
      if (now - lastEdit < interval && e.progress.percent < 100) return;
      lastEdit = now;
      const withProgress: Reply = {
        ...ack,
        blocks: [
          ...ack.blocks.filter((b) => b.type !== 'buttons'),
          progressBlock(e.progress.percent, e.progress.message),
          ...ack.blocks.filter((b) => b.type === 'buttons'),
        ],
      };
      edits = edits
        .then(() => sink.update(ref, withProgress))
        .catch((err: unknown) => {
          log.warn('progress edit failed', { err });
        });
    });
    try {
      const job = await deps.queue.waitUntilFinished(jobId);
      off();
      await edits;
      await sink.update(ref, presentFinished(job));
    } finally {
      off();
    }
  }

  return {
    async handleMessage(typed: IncomingMessage, given: ReplySink): Promise<HandledMessage> {
      // Renderers hide secrets in every reply; a message that held one also says to revoke it, on every edit.
      const warning = exposedSecretWarning(typed.text);
      // A secret never reaches the parser (the LLM), slots, pending questions or echoes: once a
      // word is a slot (lower-cased, "unknown service …") no rule could recognise it any more.
      const msg: IncomingMessage = warning ? { ...typed, text: redactSecrets(typed.text) } : typed;
      const withWarning = (r: Reply): Reply => (warning ? { ...r, blocks: [...r.blocks, warning] } : r);
      const sink: ReplySink = {
        post: (r) => given.post(withWarning(r)),
        update: (ref, r) => given.update(ref, withWarning(r)),
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
      const understood = await understand(msg, key);
      const result =
        'answered' in understood
          ? { outcome: understood.outcome, reply: understood.answered, job: undefined }
          : await decide(ctx, key, understood.intent, understood.explicit, understood.confirmed, msg.text);
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
        ? follow(job.id, result.reply, ref, sink, log).catch((err: unknown) => {
            log.error('following the job failed', { err, job: job.id });
          })
        : Promise.resolve();
      return { outcome: result.outcome, intent: intentName, ...(job ? { job } : {}), done };
    },
  };
}

export type Conversation = ReturnType<typeof createConversation>;
