import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

describe('Slack app manifest (manifest.yml)', () => {
  const manifest = parse(readFileSync(join(__dirname, '../../manifest.yml'), 'utf8'));

  it('is a v1 manifest for SmartCloudOps with a bot user', () => {
    expect(manifest._metadata).toEqual({ major_version: 1, minor_version: 1 });
    expect(manifest.display_information.name).toBe('SmartCloudOps');
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.features.bot_user.display_name).toBe('SmartCloudOps');
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
  });

  it('declares exactly the bot scopes the bot needs', () => {
    expect(manifest.oauth_config.scopes).toEqual({
      bot: ['app_mentions:read', 'chat:write', 'commands', 'files:write', 'im:history'],
    });
  });

  it('declares the /ops command, the events and interactivity on /slack/events', () => {
    expect(manifest.features.slash_commands).toEqual([
      {
        command: '/ops',
        url: 'https://YOUR-HOST/slack/events',
        description: expect.any(String),
        usage_hint: expect.any(String),
        should_escape: false,
      },
    ]);
    expect(manifest.features.slash_commands[0].description.length).toBeGreaterThan(0);
    expect(manifest.settings.event_subscriptions).toEqual({
      request_url: 'https://YOUR-HOST/slack/events',
      bot_events: ['app_mention', 'message.im'],
    });
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: 'https://YOUR-HOST/slack/events',
    });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
