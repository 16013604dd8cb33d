import { parse as parseQuery } from 'node:querystring';
import type { App as BoltApp, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../log/logger';
import type { ReplayGuard } from '../replay';
import { createMemoryReplayGuard } from './replay';
import { SIGNATURE_WINDOW_MS, verifySlackSignature } from './verify';

export interface ReceiverOptions {
  signingSecret: string;
  log: Logger;
  now?: () => number;
  /** Signed requests already taken (default: this process's memory). */
  replays?: ReplayGuard;
}

/** Slack retries an event 3 times over about 5 minutes: its id is remembered for an hour. */
const EVENT_RETRY_WINDOW_MS = 60 * 60_000;

/**
 * Bolt's receiver on the fastify side-app (`POST /slack/events`), so Slack shares the port,
 * limits, request ids and metrics of every other route. It checks the signature and its
 * timestamp (at most 5 minutes old, at most 60 s ahead) on the raw body, answers
 * url_verification, acknowledges a replay (a signature already taken) without acting on it,
 * answers everything else with 200 at once and then hands it to Bolt, so the 3-second budget
 * holds whatever the work costs.
 */
export class FastifyReceiver implements Receiver {
  private app: BoltApp | undefined;
  private readonly replays: ReplayGuard;

  constructor(private readonly o: ReceiverOptions) {
    this.replays = o.replays ?? createMemoryReplayGuard({ now: this.now });
  }

  private readonly now = () => (this.o.now ?? Date.now)();

  init(app: BoltApp): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    await this.replays.close();
  }

  readonly routes: FastifyPluginAsync = async (fastify) => {
    // Signatures cover the raw bytes: keep both of Slack's body types as strings in this scope.
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'string' },
      (_req, body, done) => done(null, body),
    );
    fastify.post('/slack/events', (req, reply) => this.handle(req, reply));
  };

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = typeof req.body === 'string' ? req.body : '';
    const refused = verifySlackSignature({
      signingSecret: this.o.signingSecret,
      headers: req.headers,
      body: raw,
      nowMs: this.now(),
    });
    if (refused) {
      req.log2.warn('slack request refused', { why: refused });
      return reply.status(401).send({
        error: 'unauthorized',
        message: 'Slack request signature is missing or invalid, or its timestamp is too old or in the future',
        request_id: req.id,
      });
    }
    let body: Record<string, unknown>;
    try {
      body = parseBody(raw, req.headers['content-type']);
    } catch (err) {
      req.log2.warn('slack request body is malformed', { err: (err as Error).message });
      return reply.status(400).send({
        error: 'bad_request',
        message: 'the Slack request body is not valid JSON or form data',
        request_id: req.id,
      });
    }
    if (body.ssl_check === '1') return reply.status(200).send();
    if (body.type === 'url_verification') return { challenge: body.challenge };
    if (await this.isReplay(req)) return reply.status(200).send();
    if (await this.isRepeat(body, req)) return reply.status(200).send();
    return this.dispatch(body, req, reply);
  }

  /**
   * The same signed request again (captured and resent): acknowledged, not acted on. Slack's own
   * retries of an event carry a new timestamp, so a new signature: those are isRepeat's.
   */
  private async isReplay(req: FastifyRequest): Promise<boolean> {
    const signature = String(req.headers['x-slack-signature']);
    const untilMs = Number(req.headers['x-slack-request-timestamp']) * 1000 + SIGNATURE_WINDOW_MS;
    if (await this.replays.firstSight(signature, untilMs)) return false;
    req.log2.warn('slack request replay dropped: this signed request was already taken');
    return true;
  }

  /**
   * The same request under a new signature: Slack's retry of an event (same `event_id`, new
   * timestamp), or a captured slash command or button press re-signed by whoever holds the
   * signing secret (same `trigger_id`: Slack mints one per command and per click). Known through
   * the same replay memory as signatures, so with Redis every `serve` process knows it.
   */
  private async isRepeat(body: Record<string, unknown>, req: FastifyRequest): Promise<boolean> {
    const id = requestIdOf(body);
    if (!id) return false;
    const untilMs = this.now() + (id.kind === 'event' ? EVENT_RETRY_WINDOW_MS : SIGNATURE_WINDOW_MS);
    if (await this.replays.firstSight(`${id.kind}:${id.value}`, untilMs)) return false;
    if (id.kind === 'event')
      req.log2.info('slack event retry dropped', { event: id.value, retry: req.headers['x-slack-retry-num'] });
    else req.log2.warn('slack request replay dropped: this command or click was already taken (same trigger_id)');
    return true;
  }

  /**
   * Slack is answered now, before Bolt runs (authorize, middleware, listeners): the 3-second
   * budget then never depends on the work, a slow auth.test or a busy event loop's backlog. Our
   * listeners never put content in an ack, so nothing is lost by not waiting for one.
   */
  private async dispatch(body: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const app = this.app;
    if (!app) return reply.status(503).send({ error: 'unavailable', message: 'Slack is starting', request_id: req.id });
    const log = req.log2;
    const event: ReceiverEvent = {
      body,
      retryNum: numberHeader(req.headers['x-slack-retry-num']),
      retryReason:
        typeof req.headers['x-slack-retry-reason'] === 'string' ? req.headers['x-slack-retry-reason'] : undefined,
      customProperties: { requestId: req.id },
      ack: async (response?: unknown) => {
        if (response !== undefined && response !== '')
          log.warn('slack ack content dropped: the request was already answered', { type: body.type });
      },
    };
    await reply.status(200).send();
    app.processEvent(event).catch((err: unknown) => {
      log.error('slack event failed', { err, type: body.type });
    });
    return reply;
  }
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = parseQuery(raw);
    if (typeof form.payload === 'string') return asObject(JSON.parse(form.payload));
    return form as Record<string, unknown>;
  }
  return asObject(JSON.parse(raw));
}

/** What names one request whatever its signature: an event's id, or a command's or click's trigger. */
function requestIdOf(body: Record<string, unknown>): { kind: 'event' | 'trigger'; value: string } | undefined {
  if (typeof body.event_id === 'string' && body.event_id) return { kind: 'event', value: body.event_id };
  if (typeof body.trigger_id === 'string' && body.trigger_id) return { kind: 'trigger', value: body.trigger_id };
  return undefined;
}

function asObject(v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}

function numberHeader(v: string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(n) && v !== undefined ? n : undefined;
}
