import type { ChannelPoster } from '../ports/chat';
import type { CommandContext } from '../commands/context';
import { checkAndRun, type Commands } from '../commands/handler';
import { presentFinished } from '../present/jobs';
import type { NameOf } from '../identity/names';
import type { Logger } from '../log/logger';
import type { JobMeta, JobQueue } from '../queue/types';
import { reply, text } from '../reply/model';
import type { Jobs } from '../jobs/map';
import { requestCommand } from '../present/remediation';
import type { RemediationStore, StoredRequest } from '../remediation/store';

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
export function createFollowedJobs(remediations?: RemediationStore) {
  const seen = boundedSet();
  /** Notices this process claimed for a request's own thread because that thread follows its job. */
  const claimed = new Map<string, Array<'approved' | 'result'>>();
  const inOrigin = (id: string, where: Where) => {
    const origin = remediations?.get(id)?.origin;
    return (
      !!origin &&
      origin.platform === where.platform &&
      origin.channel === where.channel &&
      (origin.thread ?? '') === (where.thread ?? '')
    );
  };
  return {
    /** The request's own thread follows the job here: claim its notices, so no other process posts them there. */
    mark(id: string, where: Where): void {
      seen.add(key(id, where));
      if (!remediations || !inOrigin(id, where)) return;
      const kinds = (['approved', 'result'] as const).filter((kind) => remediations.claimNotice(id, kind, Date.now()));
      if (kinds.length) claimed.set(id, kinds);
    },
    unmark(id: string, where: Where): void {
      seen.delete(key(id, where));
      const kinds = claimed.get(id);
      if (remediations && kinds && inOrigin(id, where)) remediations.releaseNotices(id, kinds);
      claimed.delete(id);
    },
    has: (id: string, where: Where): boolean => seen.has(key(id, where)),
  };
}

/** A set that forgets its oldest entries past FOLLOWED_LIMIT. */
function boundedSet() {
  const items = new Set<string>();
  return {
    add(item: string): void {
      items.add(item);
      if (items.size > FOLLOWED_LIMIT) items.delete(items.values().next().value as string);
    },
    delete: (item: string): void => void items.delete(item),
    has: (item: string): boolean => items.has(item),
  };
}
export type FollowedJobs = ReturnType<typeof createFollowedJobs>;

/**
 * The command layer as chat uses it, noting which thread follows which job. An approval is noted
 * before it runs (its job is added, and announced, before the command returns) and forgotten when
 * it starts nothing; any other command's job is noted when it returns. REST follows nothing.
 */
export function followingIn(commands: Commands, followed: FollowedJobs): Commands {
  const run: Commands['run'] = async (ctx: CommandContext, verdict, rawText) => {
    const { intent } = verdict;
    const where: Where = {
      platform: ctx.platform,
      channel: ctx.channel,
      ...(ctx.thread ? { thread: ctx.thread } : {}),
    };
    // An approval or denial typed here is answered here: noted first, forgotten when it decided nothing.
    const deciding =
      (intent.intent === 'approve' || intent.intent === 'deny') && typeof intent.slots.request_id === 'string'
        ? intent.slots.request_id.replace(/^#/, '').toLowerCase()
        : undefined;
    if (deciding) followed.mark(deciding, where);
    const out = await commands.run(ctx, verdict, rawText);
    if (out.job) followed.mark(out.job.id, where);
    else if (deciding && !(intent.intent === 'deny' && out.outcome === 'replied')) followed.unmark(deciding, where);
    return out;
  };
  return {
    ...commands,
    run,
    // The checks, then the run above, so a `handle` here follows its job too.
    handle: (ctx, intent, rawText) => checkAndRun({ check: commands.check, run }, ctx, intent, rawText),
  };
}

export interface RemediationNotifierDeps {
  queue: JobQueue<Jobs>;
  /** The platforms this process can post to. */
  posters: Partial<Record<string, ChannelPoster>>;
  remediations: RemediationStore;
  followed: FollowedJobs;
  log: Logger;
  /** Principal ids as people read them, for "denied by …". */
  names?: NameOf;
  /**
   * Also look for finished jobs this often (default 3 s): the embedded queue tells only the process
   * that ran the job.
   */
  sweepMs?: number;
}

/** How many recent finished jobs a sweep reads. */
const SWEEP_LIMIT = 50;

/**
 * Tells the thread a remediation was requested in what became of it, whoever approved it and from
 * wherever (REST, another platform, another process: queue events reach every process): "approved
 * by X, running" when its job is added after an approval, then the result when it finishes. A
 * thread that is following the job itself (the approval was made there) hears it from the
 * conversation instead, never twice. Posts for one request go out in order; a failure is logged.
 * A periodic sweep of recently finished jobs catches a result whose event this process never saw
 * (the embedded queue's events stay in the process that ran the job, e.g. a `chat` console).
 */
export function startRemediationNotifier(deps: RemediationNotifierDeps): { idle(): Promise<void>; stop(): void } {
  const { queue, posters, followed, log } = deps;
  const { inOrder, idle } = chainsPerRequest(log);
  /**
   * Where to post `kind` about job `id`, or undefined when nobody here should: no poster for its
   * platform, its thread follows the job itself, or (a shared channel) another process told it.
   */
  const origin = (id: string, meta: Where, kind: 'approved' | 'result') => {
    const poster = meta.platform ? posters[meta.platform] : undefined;
    if (!poster || !meta.channel || followed.has(id, meta)) return undefined;
    if (!poster.local && !deps.remediations.claimNotice(id, kind, Date.now())) return undefined;
    return { poster, channel: meta.channel, thread: meta.thread };
  };

  const onAdded = (e: { id: string; name: string }) => {
    if (e.name !== 'remediation') return;
    inOrder(e.id, async () => {
      const job = await queue.get(e.id);
      const request = deps.remediations.get(e.id);
      // No approvers: it ran at once, and the requester's own thread follows it.
      if (!job || !request || request.approverNames.length === 0) return;
      const to = origin(e.id, job.meta, 'approved');
      if (!to) return;
      const line =
        `Approved by ${request.approverNames.join(', ')}; ` +
        `running \`${requestCommand(request)}\` now (request ${request.id}).`;
      await to.poster.post(to.channel, reply('info', text(line)), to.thread);
    });
  };
  const delivered = boundedSet();
  const onFinished = (e: { id: string; name: string }) => {
    if (e.name !== 'remediation' || delivered.has(e.id)) return;
    delivered.add(e.id);
    inOrder(e.id, async () => {
      const job = await queue.get(e.id);
      const to = job && origin(e.id, job.meta, 'result');
      if (to) await to.poster.post(to.channel, presentFinished(job), to.thread);
    });
  };
  /** A request that ended with no job (denied, withdrawn, expired): its thread hears it like a result. */
  const onDecided = (r: StoredRequest) => {
    if (delivered.has(r.id)) return;
    delivered.add(r.id);
    inOrder(r.id, async () => {
      const to = origin(r.id, r.origin, 'result');
      if (to) await to.poster.post(to.channel, reply('warning', text(decidedLine(r, deps.names))), to.thread);
    });
  };
  const decided = () => deps.remediations.decidedWithoutJob(SWEEP_LIMIT);
  const finished = () => queue.list({ states: ['completed', 'failed'], limit: SWEEP_LIMIT });
  // What had finished or been decided before we started was told by whoever was running then.
  for (const r of decided()) delivered.add(r.id);
  const seeded = finished()
    .then((jobs) => jobs.forEach((j) => delivered.add(j.id)))
    .catch((err: unknown) => log.warn('could not read finished jobs; the sweep starts from the next one', { err }));
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void seeded
      .then(() => decided().forEach(onDecided))
      .then(finished)
      .then((jobs) => jobs.forEach((j) => onFinished(j)))
      .catch((err: unknown) => log.debug('remediation sweep skipped', { err }))
      .finally(() => (sweeping = false));
  }, deps.sweepMs ?? 3_000);
  sweep.unref();
  const offs = [
    () => clearInterval(sweep),
    queue.on('added', onAdded),
    queue.on('completed', onFinished),
    queue.on('failed', (e) => {
      if (!e.willRetry) onFinished(e);
    }),
  ];
  return {
    idle,
    stop() {
      for (const off of offs) off();
    },
  };
}

/** Posts for one request, in order: each waits for the one before; a failure is logged. */
function chainsPerRequest(log: Logger) {
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
  return {
    inOrder,
    /** Resolves once every request's posts so far have gone out. */
    async idle() {
      while (chains.size) await Promise.all([...chains.values()]);
    },
  };
}

/** What the request's thread is told about a request that ended without running. */
function decidedLine(r: StoredRequest, names: NameOf = (id) => id): string {
  const what = `Remediation ${r.id} (\`${requestCommand(r)}\`)`;
  if (r.state === 'expired') return `${what} expired without the approval it needed; ask again if it is still needed.`;
  if (r.decidedBy && r.decidedBy === r.requestedBy)
    return `${what} was withdrawn by ${names(r.decidedBy)}; it will not run.`;
  return `${what} was denied by ${r.decidedBy ? names(r.decidedBy) : 'an approver'}; it will not run.`;
}
