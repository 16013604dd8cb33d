import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { testConfig } from '../../src/config/config';
import type { MessageRef, ReplySink } from '../../src/ports/chat';
import { createLogger } from '../../src/log/logger';
import { buildApp, type App } from '../../src/app/control';
import type { Reply } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';

/** A fixed "now" on a step boundary, so the demo fleet and job times are reproducible. */
export const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
/** Inside the demo fleet's scheduled error burst on `payments` (minutes 175..205 of its 4-hour cycle). */
export const DURING_BURST = Date.UTC(2026, 10, 26, 11, 20, 0);

export function tempDbPath(prefix = 'sco-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), 'test.db');
}

/** A real App on a temp SQLite file and the embedded queue (or Redis if given), logs captured. */
export async function testApp(
  env: Record<string, string> = {},
  now: number | (() => number) = NOW,
): Promise<{ app: App; logs: () => string }> {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const config = testConfig({ DATABASE_PATH: tempDbPath(), JOB_BACKOFF_MS: '10', SHUTDOWN_GRACE_MS: '1000', ...env });
  const log = createLogger({ level: 'debug', format: 'json', stream });
  const app = await buildApp(config, { log, clock: typeof now === 'function' ? now : () => now });
  return { app, logs: () => chunks.join('') };
}

export interface Posted {
  ref: MessageRef;
  versions: Reply[];
}

/** A ReplySink that records every post and every edit, like a chat platform would show them. */
export function recordingSink(): ReplySink & { messages: Posted[] } {
  const messages: Posted[] = [];
  return {
    messages,
    async post(reply) {
      const ref = { id: `m${messages.length + 1}` };
      messages.push({ ref, versions: [reply] });
      return ref;
    },
    async update(ref, reply) {
      const message = messages.find((m) => m.ref.id === ref.id);
      if (!message) throw new Error(`update of unknown message ${ref.id}`);
      message.versions.push(reply);
    },
  };
}

export function lastVersion(p: Posted): Reply {
  return p.versions[p.versions.length - 1];
}

/** One console message to the app's conversation, followed to the end: its handling, the sink, all replies as text. */
export async function sayTo(app: App, text: string, user = 'alice') {
  const sink = recordingSink();
  const handled = await app.conversation.handleMessage({ platform: 'console', user, channel: 'ops', text }, sink);
  await handled.done;
  return { handled, sink, text: () => sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
}
