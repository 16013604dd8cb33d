import type { ChatAdapter } from '../adapters/types';
import type { Config } from '../config/config';
import type { IncidentChannel } from './notifier';

/**
 * INCIDENT_CHANNEL: `slack:C0123ABC`, `teams:<conversation id>`, or a bare id for the one chat
 * platform configured (Slack when both are). The problem, when there is one, says how to fix it.
 */
export function resolveIncidentChannel(value: string | undefined, adapters: ChatAdapter[], config: Pick<Config, 'teams'>): { channel?: IncidentChannel; problem?: string } {
  if (!value) return {};
  const match = /^(slack|teams):(.+)$/.exec(value);
  const configured = adapters.filter((a) => a.platform === 'slack' || config.teams.appId || config.teams.authOff);
  const adapter = match ? configured.find((a) => a.platform === match[1]) : configured[0];
  if (!adapter) {
    const wanted = match ? match[1] : 'Slack or Teams';
    return { problem: `INCIDENT_CHANNEL is set but ${wanted} is not configured: new incidents are kept (see \`incidents\`) but not posted. Set SLACK_BOT_TOKEN (Slack) or TEAMS_APP_ID and TEAMS_APP_PASSWORD (Teams).` };
  }
  return { channel: { platform: adapter.platform, poster: adapter.poster, channel: match ? match[2] : value } };
}
