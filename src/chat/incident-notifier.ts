import type { ChannelPoster, ChatPlatform, PostedMessage } from '../ports/chat';
import { presentFinished } from '../present/jobs';
import { feedbackButtons } from '../present/feedback';
import { presentIncident } from '../present/incidents';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import type { JobInfo, JobQueue } from '../queue/types';
import type { ActionCatalog } from '../remediation/catalog';
import { reply, text, type Reply } from '../reply/model';
import type { InvestigateJobResult, Jobs } from '../jobs/map';
import type { IncidentPosts } from '../incidents/posts';
import type { IncidentChange, IncidentService } from '../incidents/service';
import type { Incident } from '../incidents/store';
import { offeredByCatalog } from '../incidents/suggest';
import { presentInvestigation } from '../present/investigation';
import { runbookOfUrl } from '../runbooks/link';
import type { RunbookSearch } from '../runbooks/types';

export interface IncidentChannel {
  platform: ChatPlatform;
  poster: ChannelPoster;
  channel: string;
}

export interface NotifierDeps {
  incidents: IncidentService;
  target: IncidentChannel;
  /** Where each incident was posted. */
  posts: IncidentPosts;
  queue: JobQueue<Jobs>;
  catalog: ActionCatalog;
  clock: Clock;
  log: Logger;
  /** The runbook index: an alert's `runbook_url` that names one of its runbooks shows its title on the card. */
  runbooks?: Pick<RunbookSearch, 'get'>;
}

/**
 * Keeps the incident channel true: a new incident is posted once; every later change (a repeat
 * with new alerts, ack, resolution, the analysis' outcome) edits that same message; a resolution
 * and the analysis are also replied in its thread. Work for one incident runs in order; a chat
 * failure is logged and the next change tries again (a message never posted is posted then).
 */
export function startIncidentNotifier(deps: NotifierDeps): { idle(): Promise<void>; stop(): void } {
  const { incidents, target, posts, queue, log } = deps;
  const chains = new Map<string, Promise<void>>();

  const inOrder = (id: string, work: () => Promise<void>) => {
    const next = (chains.get(id) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      log.error('incident channel update failed', {
        err,
        incident: id,
        channel: target.channel,
        platform: target.platform,
      });
    });
    chains.set(id, next);
    void next.then(() => {
      if (chains.get(id) === next) chains.delete(id);
    });
  };

  /** Post the incident's card, or edit the one posted. */
  async function show(incident: Incident): Promise<PostedMessage> {
    const { runbooks } = deps;
    const card = presentIncident(incident, runbooks ? { runbookOf: (url) => runbookOfUrl(url, runbooks) } : {});
    const posted = posts.get(incident.id);
    if (posted) {
      await target.poster.update(posted, card);
      return posted;
    }
    const message = await target.poster.post(target.channel, card);
    posts.save(incident.id, target.platform, message, deps.clock());
    return message;
  }

  const onChange = (incident: Incident, change: IncidentChange) =>
    inOrder(incident.id, async () => {
      // Read it again: changes queued behind a slow post show their latest state once.
      const message = await show(incidents.get(incident.id));
      if (change === 'resolved')
        await target.poster.post(message.channel, resolvedNote(incidents.get(incident.id)), message.thread);
    });

  const onFinished = async (e: { id: string; name: string }) => {
    // Only an analysis (an investigation) can belong to an incident: other jobs are not read back at all.
    if (e.name !== 'investigate') return;
    const job = await queue.get(e.id).catch(() => undefined);
    const id = job && incidents.analysedBy(job);
    if (!job || !id) return;
    inOrder(id, async () => {
      const incident = incidents.get(id);
      const message = posts.get(id) ?? (await show(incident));
      await target.poster.post(message.channel, analysis(job, incident, deps.catalog), message.thread);
      incidents.note(id, 'analysis', analysisEvent(job), { job: job.id });
    });
  };

  const offs = [
    incidents.onChange(onChange),
    queue.on('completed', (e) => void onFinished(e)),
    queue.on('failed', (e) => {
      if (!e.willRetry) void onFinished(e);
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

/**
 * The analysis in the incident's thread: the investigation's answer with its evidence, its
 * suggested commands as buttons (only those the action catalog has for the service: each one shows
 * its plan and asks for approval like a typed command), and 👍 real / 👎 false alarm about the
 * incident (the incident is what was flagged, whatever the investigation found).
 */
function analysis(job: JobInfo<Jobs>, incident: Incident, catalog: ActionCatalog): Reply {
  const feedback = incident.service ? [feedbackButtons(`incident:${incident.id}`)] : [];
  if (job.state !== 'completed' || job.result === undefined) {
    const result = presentFinished(job);
    return { ...result, blocks: [...result.blocks, ...feedback] };
  }
  const done = job.result as InvestigateJobResult;
  const offered = done.investigation.suggested_actions
    .filter((a) => offeredByCatalog(a.command, catalog))
    .map((a) => ({ command: `/ops ${a.command}` }));
  const result = presentInvestigation({
    ...done,
    investigation: { ...done.investigation, suggested_actions: offered },
  });
  return { ...result, blocks: [...result.blocks, ...feedback] };
}

function analysisEvent(job: JobInfo<Jobs>): string {
  if (job.state !== 'completed' || job.result === undefined) return `analysis ${job.state}`;
  const cause = (job.result as InvestigateJobResult).investigation.root_cause;
  return cause
    ? `analysis: ${cause.kind} on ${cause.service} (confidence ${cause.confidence.toFixed(2)})`
    : 'analysis: inconclusive';
}

function resolvedNote(incident: Incident): Reply {
  const entry = [...incident.timeline].reverse().find((t) => t.event === 'resolved');
  const by =
    entry?.actor === 'monitor'
      ? ' (the monitor saw its signals recover)'
      : entry && entry.actor !== 'alertmanager'
        ? ` by ${String(entry.detail.by ?? entry.actor)}`
        : ' (all alerts resolved in Alertmanager)';
  const minutes = Math.max(1, Math.round(((incident.resolvedAt ?? incident.updatedAt) - incident.createdAt) / 60_000));
  return reply('success', text(`Incident ${incident.id} resolved${by} after ${minutes} min.`));
}
