import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SlackPayload } from './slack-payloads';

/**
 * Requests as Slack sends them, recorded in tests/fixtures/slack/ (Slack's documented payloads
 * for a workspace T0001 of an Enterprise Grid E0001; the bot is U0LAN0Z89, the person U0123ABCD):
 * an `app_mention` and a `message.im` event_callback, a slash command's form body, a
 * `block_actions` interaction.
 */
const DIR = join(__dirname, '..', 'fixtures', 'slack');

export const slackFixtureJson = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;

/** A form-encoded fixture's raw body, as Slack POSTs it. */
export const slackFixtureForm = (name: string): string => readFileSync(join(DIR, name), 'utf8').trim();

/**
 * Each recorded request as the HTTP body Slack POSTs: events as compact JSON, the slash command
 * as its form body, the interaction as a form body holding `payload=<JSON>`.
 */
export function recordedSlackRequests(): Record<
  'app_mention' | 'message_im' | 'slash_command' | 'block_actions',
  SlackPayload
> {
  const event = (name: string): SlackPayload => {
    const payload = slackFixtureJson(name);
    return {
      body: JSON.stringify(payload),
      contentType: 'application/json',
      envelopeType: 'events_api',
      envelopePayload: payload,
    };
  };
  const command = slackFixtureForm('slash_command.txt');
  const interaction = slackFixtureJson('block_actions.json');
  return {
    app_mention: event('app_mention.json'),
    message_im: event('message_im.json'),
    slash_command: {
      body: command,
      contentType: 'application/x-www-form-urlencoded',
      envelopeType: 'slash_commands',
      envelopePayload: Object.fromEntries(new URLSearchParams(command)),
    },
    block_actions: {
      body: new URLSearchParams({ payload: JSON.stringify(interaction) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      envelopeType: 'interactive',
      envelopePayload: interaction,
    },
  };
}
