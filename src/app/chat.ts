import type { ChannelPoster, ChatAdapter } from '../ports/chat';
import type { Conversation } from '../chat/conversation';
import type { Config } from '../config/config';
import type { NameOf } from '../identity/names';
import { configuredPlatforms, incidentChannel } from '../config/channels';
import { startIncidentNotifier } from '../chat/incident-notifier';
import { IncidentPosts } from '../incidents/posts';
import type { IncidentService } from '../incidents/service';
import type { Logger } from '../log/logger';
import type { JobQueue } from '../queue/types';
import type { ActionCatalog } from '../remediation/catalog';
import { startRemediationNotifier, type FollowedJobs } from '../chat/remediation-notifier';
import type { RemediationStore } from '../remediation/store';
import type { Db } from '../store/store';
import type { Jobs } from '../jobs/map';
import type { RunbookSearch } from '../runbooks/types';
import type { Core } from './core';

/**
 * Slack (SLACK_BOT_TOKEN) and Teams (TEAMS_APP_ID or TEAMS_AUTH=off) when configured. Each SDK is
 * loaded only when its platform is configured (each is ~30 MB and ~0.3 s to load).
 */
export async function buildChatAdapters(
  config: Config,
  deps: { conversation: Conversation; log: Logger; db: Db },
): Promise<ChatAdapter[]> {
  const { conversation, log, db } = deps;
  const chat: ChatAdapter[] = [];
  const platforms = configuredPlatforms(config);
  if (platforms.includes('slack'))
    chat.push(
      (await import('../adapters/slack/adapter.js')).createSlackAdapter({
        config: { ...config.slack, botToken: config.slack.botToken as string },
        conversation,
        log,
        ...(config.redisUrl ? { redisUrl: config.redisUrl } : { db }),
      }),
    );
  if (platforms.includes('teams'))
    chat.push(
      (await import('../adapters/teams/adapter.js')).createTeamsAdapter({
        config: config.teams,
        conversation,
        db,
        log,
      }),
    );
  return chat;
}

export interface RemediationNotices {
  /** Tell requests' threads on these platforms what became of their remediations. Returns stop. */
  notify(posters: Partial<Record<string, ChannelPoster>>): () => void;
  /** Stop every notifier started. */
  stopAll(): void;
}

export function remediationNotices(deps: {
  queue: JobQueue<Jobs>;
  remediations: RemediationStore;
  followed: FollowedJobs;
  names: NameOf;
  log: Logger;
}): RemediationNotices {
  const notifiers = new Set<() => void>();
  return {
    notify(posters) {
      const { stop } = startRemediationNotifier({
        queue: deps.queue,
        posters,
        remediations: deps.remediations,
        followed: deps.followed,
        names: deps.names,
        log: deps.log.child({ component: 'remediation-notifier' }),
      });
      notifiers.add(stop);
      return () => {
        notifiers.delete(stop);
        stop();
      };
    },
    stopAll() {
      for (const stop of [...notifiers]) stop();
    },
  };
}

/** INCIDENT_CHANNEL's poster and channel when its platform is connected here (drift cards go there too). */
export function incidentTarget(
  config: Config,
  chat: ChatAdapter[],
): { poster: ChannelPoster; channel: string } | undefined {
  const { platform, channel } = incidentChannel(config);
  const adapter = chat.find((a) => a.platform === platform);
  return adapter && channel ? { poster: adapter.poster, channel } : undefined;
}

/** Keep INCIDENT_CHANNEL true when its platform is connected here; returns stop, or undefined when not. */
export function startIncidentChannel(deps: {
  core: Core;
  chat: ChatAdapter[];
  incidents: IncidentService;
  db: Db;
  catalog: ActionCatalog;
  /** Runbooks an alert's `runbook_url` can name (the card shows the title). */
  runbooks?: RunbookSearch;
}): (() => void) | undefined {
  const { config, log } = deps.core;
  const { platform, channel, problem } = incidentChannel(config);
  if (problem) log.warn(problem);
  const adapter = deps.chat.find((a) => a.platform === platform);
  if (!adapter || !channel) return undefined;
  const { stop } = startIncidentNotifier({
    incidents: deps.incidents,
    target: { platform: adapter.platform, poster: adapter.poster, channel },
    posts: new IncidentPosts(deps.db),
    queue: deps.core.queue,
    catalog: deps.catalog,
    clock: deps.core.clock,
    log: log.child({ component: 'incidents' }),
    ...(deps.runbooks ? { runbooks: deps.runbooks } : {}),
  });
  log.info('incident channel', { platform, channel });
  return stop;
}
