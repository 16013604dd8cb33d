import type { ChannelPoster } from '../adapters/types';
import type { CommandContext } from '../commands/context';
import type { Commands } from '../commands/handler';
import { presentFinished } from '../commands/jobs';
import type { Logger } from '../log/logger';
import type { JobMeta, JobQueue } from '../queue/types';
import { reply, text } from '../reply/model';
import type { Jobs } from '../workers/jobs';
import type { RemediationStore } from './store';

/** A thread: platform, channel and thread (none for a channel's top level or a DM). */
type Where = Pick<JobMeta, 'platform' | 'channel' | 'thread'>;
const key = (id: string, w: Where) => `${id}\u0000${w.platform ?? ''}\u0000${w.channel ?? ''}\u0000${w.thread ?? ''}`;

const FOLLOWED_LIMIT = 10_000;

/**
 * Which job each chat thread is already following: a chat command that starts a job (an approval
 * typed or clicked there, an action that needs no approval) gets its result edited into that
 * thread by the conversation, so the notifier must not post it there again. Bounded: the oldest
 * entries go first (a job is long finished by then).
 */
export function createFollowedJobs() {
  const seen = new Set<string>();
  return {
    mark(id: string, where: Where): void {
      seen.add(key(id, where));
      if (seen.size > FOLLOWED_LIMIT) seen.delete(seen.values().next().value as string);
    },
    unmark(id: string, where: Where): void {
      seen.delete(key(id, where));
    },
    has: (id: string, where: Where): boolean => seen.has(key(id, where)),
  };
}
export type FollowedJobs = ReturnType<typeof createFollowedJobs>;

/**
 * The command layer as chat uses it, noting which thread follows which job. An approval is noted
 * before it runs (its job is added, and announced, before the command returns) and forgotten when
 * it starts nothing; any other command's job is noted when it returns. REST follows nothing.
 */
export function followingIn(commands: Commands, followed: FollowedJobs): Commands {
  return {
    ...commands,
    async handle(ctx: CommandContext, intent, rawText) {
      const where: Where = { platform: ctx.platform, channel: ctx.channel, ...(ctx.thread ? { thread: ctx.thread } : {}) };
      const approving = intent.intent === 'approve' && typeof intent.slots.request_id === 'string' ? intent.slots.request_id.replace(/^#/, '').toLowerCase() : undefined;
      if (approving) followed.mark(approving, where);
      const out = await commands.handle(ctx, intent, rawText);
      if (out.job) followed.mark(out.job.id, where);
      else if (approving) followed.unmark(approving, where);
      return out;
    },
  };
}

export interface RemediationNotifierDeps {
  queue: JobQueue<Jobs>;
  /** The platforms this process can post to. */
  posters: Partial<Record<string, ChannelPoster>>;
  remediations: RemediationStore;
  followed: FollowedJobs;
  log: Logger;
}

/**
 * Tells the thread a remediation was requested in what became of it, whoever approved it and from
 * wherever (REST, another platform, another process: queue events reach every process): "approved
 * by X, running" when its job is added after an approval, then the result when it finishes. A
 * thread that is following the job itself (the approval was made there) hears it from the
 * conversation instead, never twice. Posts for one request go out in order; a failure is logged.
 */
export function startRemediationNotifier(deps: RemediationNotifierDeps): { idle(): Promise<void>; stop(): void } {
  const { queue, posters, followed, log } = deps;
  const chains = new Map<string, Promise<void>>();
  const inOrder = (id: string, work: () => Promise<void>) => {
    const next = (chains.get(id) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      log.error('could not tell the requester about a remediation', { err, request: id });
    });
    chains.set(id, next);
    void next.then(() => {
      if (chains.get(id) === next) chains.delete(id);
    });
  };
  /** Where to post about job `id`, or undefined when nobody here should. */
  const origin = (id: string, meta: JobMeta) => {
    const poster = meta.platform ? posters[meta.platform] : undefined;
    if (!poster || !meta.channel || followed.has(id, meta)) return undefined;
    return { poster, channel: meta.channel, thread: meta.thread };
  };

  const onAdded = (e: { id: string; name: string }) => {
    if (e.name !== 'remediation') return;
    inOrder(e.id, async () => {
      const job = await queue.get(e.id);
      const request = deps.remediations.get(e.id);
      const to = job && origin(e.id, job.meta);
      // No approvers: it ran at once, and the requester's own thread follows it.
      if (!to || !request || request.approverNames.length === 0) return;
      const line = `Approved by ${request.approverNames.join(', ')}; running \`${request.action} ${request.target}\` now (request ${request.id}).`;
      await to.poster.post(to.channel, reply('info', text(line)), to.thread);
    });
  };
  const onFinished = (e: { id: string; name: string }) => {
    if (e.name !== 'remediation') return;
    inOrder(e.id, async () => {
      const job = await queue.get(e.id);
      const to = job && origin(e.id, job.meta);
      if (to) await to.poster.post(to.channel, presentFinished(job), to.thread);
    });
  };
  const offs = [
    queue.on('added', onAdded),
    queue.on('completed', onFinished),
    queue.on('failed', (e) => {
      if (!e.willRetry) onFinished(e);
    }),
  ];
  return {
    async idle() {
      while (chains.size) await Promise.all([...chains.values()]);
    },
    stop() {
      for (const off of offs) off();
    },
  };
}
