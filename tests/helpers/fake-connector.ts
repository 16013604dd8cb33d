import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './loopback';

/**
 * A local stand-in for the Bot Framework connector (the far side, not our code): a real HTTP server
 * on 127.0.0.1 speaking the v3 REST API a Teams bot posts to, so the real adapter can be pointed at
 * it through an activity's serviceUrl. It records every call and answers like the connector:
 *
 *   POST /v3/conversations/{conversationId}/activities               new message      -> 201 {"id": "…"}
 *   POST /v3/conversations/{conversationId}/activities/{replyToId}   reply            -> 201 {"id": "…"}
 *   PUT  /v3/conversations/{conversationId}/activities/{activityId}  edit             -> 200 {"id": "…"}
 *
 * An edit of an activity it never created answers 404 ActivityNotFound, as the connector does.
 * Failures are scripted with `failNext` ({"error": {"code", "message"}} bodies, like the connector's).
 */

export interface ConnectorCall {
  method: string;
  /** The raw path, e.g. /v3/conversations/19:x@thread.tacv2;messageid=1/activities/1 */
  path: string;
  kind: 'send' | 'reply' | 'update' | 'other';
  /** Decoded conversation id from the path (with any ;messageid= suffix). */
  conversationId?: string;
  /** The replyToId (reply) or the edited activity id (update). */
  activityId?: string;
  headers: IncomingHttpHeaders;
  // The activity JSON the bot sent.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** What the fake answered. */
  status: number;
  /** The id it gave a new message (send, reply). */
  createdId?: string;
}

export interface ScriptedFailure {
  status: number;
  code?: string;
  message?: string;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface FakeConnector {
  /** The serviceUrl to put in activities (with a trailing slash, like Teams' https://smba.trafficmanager.net/amer/). */
  readonly serviceUrl: string;
  readonly calls: ConnectorCall[];
  /** The next `times` calls answer this error instead. */
  failNext(failure: ScriptedFailure): void;
  /** Resolves with the calls once `done(calls)` holds; rejects after `timeoutMs` with what was received. */
  waitFor(done: (calls: ConnectorCall[]) => boolean, timeoutMs?: number): Promise<ConnectorCall[]>;
  close(): Promise<void>;
}

const ROUTE = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?\/?(?:\?.*)?$/;

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const failures: ScriptedFailure[] = [];
  const created = new Set<string>();
  const waiters = new Set<() => void>();
  let seq = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const path = req.url ?? '';
      const m = ROUTE.exec(path);
      const method = req.method ?? '';
      const kind: ConnectorCall['kind'] = !m
        ? 'other'
        : method === 'PUT' && m[2]
          ? 'update'
          : method === 'POST'
            ? m[2]
              ? 'reply'
              : 'send'
            : 'other';
      const call: ConnectorCall = {
        method,
        path,
        kind,
        ...(m ? { conversationId: decodeURIComponent(m[1]) } : {}),
        ...(m?.[2] ? { activityId: decodeURIComponent(m[2]) } : {}),
        headers: req.headers,
        body,
        status: 0,
      };
      const answer = (status: number, payload: unknown) => {
        call.status = status;
        calls.push(call);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(payload));
        for (const wake of [...waiters]) wake();
      };

      const failure = failures[0];
      if (failure) {
        failure.times = (failure.times ?? 1) - 1;
        if (failure.times <= 0) failures.shift();
        return answer(failure.status, {
          error: {
            code: failure.code ?? 'ServiceError',
            message: failure.message ?? `scripted failure ${failure.status}`,
          },
        });
      }
      if (kind === 'other') return answer(404, { error: { code: 'NotFound', message: `no route ${method} ${path}` } });
      if (!body || typeof body !== 'object' || typeof (body as { type?: unknown }).type !== 'string')
        return answer(400, { error: { code: 'BadArgument', message: 'an activity is required' } });
      if (kind === 'update') {
        if (!created.has(call.activityId ?? ''))
          return answer(404, { error: { code: 'ActivityNotFound', message: 'Activity not found' } });
        return answer(200, { id: call.activityId });
      }
      const id = `17000000${String(++seq).padStart(5, '0')}`;
      created.add(id);
      call.createdId = id;
      return answer(201, { id });
    });
  });
  const listening = await listenOnLoopback(server);

  return {
    serviceUrl: `http://127.0.0.1:${listening.port}/`,
    calls,
    failNext(failure) {
      failures.push({ ...failure });
    },
    waitFor(done, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(calls)) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(calls);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the fake connector did not get the expected calls in ${timeoutMs} ms; ` +
                `got:\n${calls.map((c) => `${c.method} ${c.path} -> ${c.status}`).join('\n')}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: listening.close,
  };
}
