import {
  parseAppMention,
  parseBlockAction,
  parseDirectMessage,
  parseSlashCommand,
  type SlackInteraction,
  type SlackMention,
  type SlackMessageEvent,
  type SlackSlashCommand,
} from '../../src/adapters/slack/parse';
import { slackFixtureForm, slackFixtureJson } from '../helpers/slack-fixtures';

/** parse.ts on Slack's recorded payloads (tests/fixtures/slack/), with no Bolt in between. */
describe('Slack payloads as IncomingMessage (parse.ts)', () => {
  const mention = slackFixtureJson<{ event: SlackMention }>('app_mention.json').event;
  const dm = slackFixtureJson<{ event: SlackMessageEvent }>('message_im.json').event;
  const interaction = slackFixtureJson<
    SlackInteraction & { actions: object[]; message: { ts: string; thread_ts?: string } }
  >('block_actions.json');
  const command = Object.fromEntries(
    new URLSearchParams(slackFixtureForm('slash_command.txt')),
  ) as unknown as SlackSlashCommand;

  it('an app_mention: the leading mention dropped, answered in a thread under the mention', () => {
    expect(parseAppMention(mention)).toEqual({
      platform: 'slack',
      user: 'U0123ABCD',
      channel: 'C0123ABCDEF',
      thread: '1715265024.117629',
      text: 'help',
    });
  });

  it('an app_mention inside a thread is answered in that thread', () => {
    expect(parseAppMention({ ...mention, thread_ts: '1715264000.000200' })?.thread).toBe('1715264000.000200');
  });

  it('an app_mention without a user is not a message', () => {
    expect(parseAppMention({ ...mention, user: undefined })).toBeUndefined();
  });

  it('a message.im: the text as typed, in the DM, at top level', () => {
    expect(parseDirectMessage(dm)).toEqual({
      platform: 'slack',
      user: 'U0123ABCD',
      channel: 'D0123ABCDEF',
      text: 'jobs',
    });
    expect(parseDirectMessage({ ...dm, thread_ts: '1715265000.000100' })?.thread).toBe('1715265000.000100');
  });

  it('a channel message, an edit, a bot post or a message without a user is not a DM to answer', () => {
    expect(parseDirectMessage({ ...dm, channel: 'C0123ABCDEF', channel_type: 'channel' })).toBeUndefined();
    expect(parseDirectMessage({ ...dm, subtype: 'message_changed' })).toBeUndefined();
    expect(parseDirectMessage({ ...dm, subtype: 'bot_message', user: undefined })).toBeUndefined();
    expect(parseDirectMessage({ ...dm, user: undefined })).toBeUndefined();
  });

  it('a slash command (its form body): `/ops TEXT` from the person, in the channel', () => {
    expect(parseSlashCommand(command)).toEqual({
      platform: 'slack',
      user: 'U0123ABCD',
      userName: 'alice',
      channel: 'C0123ABCDEF',
      text: '/ops help',
    });
    expect(parseSlashCommand({ ...command, text: '' }).text).toBe('/ops');
  });

  it("a block_actions button press: the button's command, in the thread of the message holding it", () => {
    expect(parseBlockAction(interaction.actions[0], interaction)).toEqual({
      platform: 'slack',
      user: 'U0123ABCD',
      channel: 'C0123ABCDEF',
      thread: '1715265024.117629',
      text: 'jobs',
    });
  });

  it('a press on a top-level message is answered in a thread under that message', () => {
    const topLevel = { ...interaction, message: { ...interaction.message, thread_ts: undefined } };
    expect(parseBlockAction(interaction.actions[0], topLevel)?.thread).toBe('1715265180.004900');
  });

  it('a button press without a command or without a channel is not a message', () => {
    expect(parseBlockAction({ ...interaction.actions[0], value: undefined }, interaction)).toBeUndefined();
    expect(parseBlockAction(interaction.actions[0], { ...interaction, channel: undefined })).toBeUndefined();
  });
});
