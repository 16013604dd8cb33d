import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * One server-sent-events answer (`text/event-stream`): named events whose data is one line of
 * JSON, a comment every `heartbeatMs` so proxies keep the connection and a dead one is noticed,
 * and `retry` telling the browser's EventSource how soon to reconnect. Sent through fastify (a
 * stream body), so the security headers, the access log and the metrics see it like any answer.
 */
export interface EventStream {
  send(event: string, data: unknown): void;
  /** End the answer (the page's EventSource reconnects after `retry`). */
  end(): void;
  readonly closed: boolean;
  /** Called once, when the answer ends for any reason (the page went away, `end`, the server closing). */
  onClose(listener: () => void): void;
}

export function openEventStream(
  req: FastifyRequest,
  reply: FastifyReply,
  options: { heartbeatMs: number; retryMs: number; onHeartbeat?: () => void },
): EventStream {
  const body = new PassThrough();
  const listeners: Array<() => void> = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    for (const listener of listeners.splice(0)) listener();
  };
  const beat = setInterval(() => {
    if (closed) return;
    body.write(': keep-alive\n\n');
    options.onHeartbeat?.();
  }, options.heartbeatMs);
  beat.unref();
  req.raw.on('close', close);
  body.on('close', close);
  void reply
    .status(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-accel-buffering', 'no')
    .send(body);
  body.write(`retry: ${options.retryMs}\n\n`);
  return {
    send(event, data) {
      if (closed) return;
      body.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!closed) body.end();
      close();
    },
    get closed() {
      return closed;
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}
