import type { Config } from './config';
import type { ChatPlatform } from '../ports/chat';

/** The chat platforms the config brings in: Slack with a bot token, Teams with an app id (or auth off). */
export function configuredPlatforms(config: Pick<Config, 'slack' | 'teams'>): ChatPlatform[] {
  return [
    ...(config.slack.botToken ? ['slack' as const] : []),
    ...(config.teams.appId || config.teams.authOff ? ['teams' as const] : []),
  ];
}

/**
 * INCIDENT_CHANNEL: `slack:C0123ABC`, `teams:<conversation id>`, or a bare id for the chat
 * platform configured (Slack when both are). The problem, when there is one, says how to fix it.
 */
export function incidentChannel(config: Pick<Config, 'incidentChannel' | 'slack' | 'teams'>): {
  platform?: ChatPlatform;
  channel?: string;
  problem?: string;
} {
  const value = config.incidentChannel;
  if (!value) return {};
  const match = /^(slack|teams):(.+)$/.exec(value);
  const platforms = configuredPlatforms(config);
  const platform = match ? platforms.find((p) => p === match[1]) : platforms[0];
  if (!platform) {
    const wanted = match ? (match[1] === 'slack' ? 'Slack' : 'Teams') : 'Slack or Teams';
    return {
      problem:
        `INCIDENT_CHANNEL is set but ${wanted} is not configured: ` +
        `new incidents are kept (see \`incidents\`) but not posted. ` +
        'Set SLACK_BOT_TOKEN (Slack) or TEAMS_APP_ID and TEAMS_APP_PASSWORD (Teams).',
    };
  }
  return { platform, channel: match ? match[2] : value };
}
