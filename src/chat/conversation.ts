import type { CommandHandler } from '../commands/handler';
import type { CommandOutcome, Platform } from '../commands/context';
import type { Identity } from '../identity/identity';
import type { IntentParser } from '../intent/parser';
import type { Logger } from '../log/logger';
import type { JobQueue } from '../queue/types';
import { progress as progressBlock, type Reply } from '../reply/model';
import { presentFinished } from '../commands/jobs';
import type { Metrics } from '../telemetry/metrics';
import type { Jobs } from '../workers/jobs';

/** What every chat adapter hands in (DESIGN.md "The flow"). */
export interface IncomingMessage {
  platform: Platform;
  /** The platform's user id (Slack U…, Teams AAD id, console name). */
  user: string;
  userName?: string;
  channel: string;
  thread?: string;
  text: string;
}

export interface MessageRef {
  id: string;
}

/** Where an adapter posts: a new message in the thread, or an edit of one it posted. */
export interface ReplySink {
  post(reply: Reply): Promise<MessageRef>;
  update(ref: MessageRef, reply: Reply): Promise<void>;
}

export interface HandledMessage {
  outcome: CommandOutcome['outcome'];
  intent: string;
  /** Resolves when the job the message started (if any) has finished and its result is posted. */
  done: Promise<void>;
}

export interface ConversationDeps {
  identity: Identity;
  parser: IntentParser;
  handle: CommandHandler;
  queue: JobQueue<Jobs>;
  metrics: Metrics;
  log: Logger;
  /** Least time between two progress edits of one message. */
  progressIntervalMs?: number;
}

let messageSeq = 0;

/**
 * One message through the flow: identity -> intent -> command -> reply, then, for a job, live
 * progress edits of the acknowledgement and the result in its place.
 */
export function createConversation(deps: ConversationDeps) {
  const interval = deps.progressIntervalMs ?? 500;

  async function follow(jobId: string, ack: Reply, ref: MessageRef, sink: ReplySink, log: Logger): Promise<void> {
    let lastEdit = 0;
    let edits = Promise.resolve();
    const off = deps.queue.on('progress', (e) => {
      if (e.id !== jobId) return;
      const now = Date.now();
      if (now - lastEdit < interval && e.progress.percent < 100) return;
      lastEdit = now;
      const withProgress: Reply = { ...ack, blocks: [...ack.blocks.filter((b) => b.type !== 'buttons'), progressBlock(e.progress.percent, e.progress.message), ...ack.blocks.filter((b) => b.type === 'buttons')] };
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
    async handleMessage(msg: IncomingMessage, sink: ReplySink): Promise<HandledMessage> {
      const log = deps.log.child({ msg: `${msg.platform}-${++messageSeq}`, platform: msg.platform, channel: msg.channel });
      const actor = deps.identity.resolve(msg.platform, msg.user, msg.userName);
      const started = process.hrtime.bigint();
      const intent = await deps.parser.parse(msg.text);
      deps.metrics.intentParseDuration.observe({ source: intent.source }, Number(process.hrtime.bigint() - started) / 1e9);
      const outcome = await deps.handle({ actor, platform: msg.platform, channel: msg.channel, ...(msg.thread ? { thread: msg.thread } : {}), log }, intent, msg.text);
      deps.metrics.chatMessages.inc({ platform: msg.platform, intent: intent.intent, outcome: outcome.outcome });
      log.info('message handled', { actor: actor.id, intent: intent.intent, outcome: outcome.outcome, job: outcome.job?.id });
      const ref = await sink.post(outcome.reply);
      const done = outcome.job
        ? follow(outcome.job.id, outcome.reply, ref, sink, log).catch((err: unknown) => {
            log.error('following the job failed', { err, job: outcome.job?.id });
          })
        : Promise.resolve();
      return { outcome: outcome.outcome, intent: intent.intent, done };
    },
  };
}

export type Conversation = ReturnType<typeof createConversation>;
