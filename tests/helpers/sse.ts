import { performance } from 'node:perf_hooks';

/**
 * A small server-sent-events client over fetch, for tests and the bench: it keeps every event
 * with the time it arrived, and waits for the first one that matches.
 */
export interface SseEvent {
  event: string;
  data: unknown;
  /** performance.now() when the event was complete. */
  at: number;
}

export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The first event named `event` (received already or later) whose data matches; rejects after `timeoutMs`. */
  waitFor<T>(event: string, match?: (data: T) => boolean, timeoutMs?: number): Promise<SseEvent & { data: T }>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const name = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (name && data !== undefined) events.push({ event: name, data: JSON.parse(data), at: performance.now() });
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // aborted by close()
    }
    done = true;
    for (const wake of waiters) wake();
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    waitFor<T>(event: string, match: (data: T) => boolean = () => true, timeoutMs = 10_000) {
      return new Promise<SseEvent & { data: T }>((resolve, reject) => {
        const look = () => {
          const found = events.find((e) => e.event === event && match(e.data as T));
          if (found) {
            finish();
            resolve(found as SseEvent & { data: T });
          } else if (done) {
            finish();
            reject(new Error(`the stream ended without a matching ${event} event`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching ${event} event within ${timeoutMs} ms`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(look);
        };
        waiters.add(look);
        look();
      });
    },
    close: () => abort.abort(),
  };
}
