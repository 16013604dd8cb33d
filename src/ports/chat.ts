import type { FastifyPluginAsync } from 'fastify';
import { AppError, type PlatformErrorCode } from '../errors';
import type { Reply, Step } from '../reply/model';

/**
 * The chat port: what every chat adapter (src/adapters/{slack,teams,console}/) hands the
 * conversation and what the conversation and the notifiers need of a platform. A low module: it
 * imports only src/reply, src/errors and fastify's types.
 */

/** The chat platforms with adapters of their own (users link their accounts on these). */
export const CHAT_PLATFORMS = ['slack', 'teams'] as const;
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];

/** True for `slack` and `teams`, the platforms users link their accounts on. */
export const isChatPlatform = (platform: string): platform is ChatPlatform =>
  (CHAT_PLATFORMS as readonly string[]).includes(platform);

/**
 * Where a message or command comes from: a chat platform, the local console, or REST (`http`,
 * commands run over the API).
 */
export type MessagePlatform = ChatPlatform | 'console' | 'http';

/** What every chat adapter hands in (DESIGN.md "The flow"). */
export interface IncomingMessage {
  platform: MessagePlatform;
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

/**
 * A job's steps shown the platform's own way beside the message `ref` (Slack: a streaming message
 * in the thread; the console: a line per change). Made without calling the platform; the first
 * `show` does.
 */
export interface StepsView {
  /**
   * Shows the steps as they are now (the whole list; the view sends only what changed).
   * `unavailable`: the platform cannot (Slack without the streaming API, or a stream that expired);
   * the caller shows them by editing the message instead and does not call this view again.
   */
  show(steps: readonly Step[]): Promise<'shown' | 'unavailable'>;
  /** The job is over (its steps as they ended): the view is closed (Slack stops the stream). */
  end(steps: readonly Step[]): Promise<void>;
}

/** Where an adapter posts: a new message in the thread, or an edit of one it posted. */
export interface ReplySink {
  post(reply: Reply): Promise<MessageRef>;
  update(ref: MessageRef, reply: Reply): Promise<void>;
  /** A platform that shows steps its own way; without it, steps are edits of the message (a `steps` block). */
  steps?(ref: MessageRef): StepsView;
}

/** A message an adapter posted: where it is, its id on the platform, and the thread replies go to. */
export interface PostedMessage {
  channel: string;
  id: string;
  thread: string;
}

/**
 * What the incident notifier needs of a chat platform: post into a channel (top level, or in a
 * thread) and edit a message it posted. A platform error rejects with a ChatApiError.
 */
export interface ChannelPoster {
  post(channel: string, reply: Reply, thread?: string): Promise<PostedMessage>;
  update(message: PostedMessage, reply: Reply): Promise<void>;
  /**
   * A screen of this process only (the console): each process shows its own notices. Shared
   * channels (Slack, Teams) are told once, by whichever process claims the notice first.
   */
  local?: boolean;
}

/** A chat platform brought into the app: its HTTP routes, its own connections, its poster. */
export interface ChatAdapter {
  platform: ChatPlatform;
  poster: ChannelPoster;
  /** Registered on the HTTP side-app (`POST /slack/events`, `POST /api/messages`). */
  routes: FastifyPluginAsync;
  /** Connections it opens itself (Slack Socket Mode); a no-op for HTTP-only adapters. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What `POST /slack/events` and `POST /api/messages` answer (503) while their platform is off. */
export const PLATFORM_OFF = {
  slack: {
    error: 'slack_not_configured',
    message: 'Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)',
  },
  teams: {
    error: 'teams_not_configured',
    message:
      'Microsoft Teams is not configured: set TEAMS_APP_ID and TEAMS_APP_PASSWORD' +
      ' (or TEAMS_AUTH=off for local development)',
  },
} as const;

/** What a person is told when a platform call fails under a command: the details are the log's. */
const CHAT_API_USER_MESSAGE = 'Something went wrong on our side; the details are in the logs.';

/**
 * A chat platform's API refused or failed a call. Its `code` is the platform's own error (e.g.
 * `channel_not_found`), which callers match on; no HTTP status is mapped to it (a REST route that
 * met one answers 500, as for any unexpected error) and a person is told only that something went
 * wrong on our side, as for an error outside the AppError family.
 */
export class ChatApiError extends AppError {
  declare readonly code: PlatformErrorCode;

  constructor(
    readonly platform: ChatPlatform,
    code: string,
    message: string,
    readonly status?: number,
  ) {
    super(code as PlatformErrorCode, message, { userMessage: CHAT_API_USER_MESSAGE });
    this.name = 'ChatApiError';
  }
}
