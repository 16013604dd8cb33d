import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDbPath } from '../helpers/app';
import { BIN, freePort, runCli, startCli, waitFor } from '../helpers/cli';

/**
 * Exactly once across a crash: the process running a remediation is killed with SIGKILL while
 * its webhook call is in flight; the next process recovers the job, finds the request already
 * executing, and marks it unknown instead of calling the webhook again.
 */
describe('remediation across a SIGKILL', () => {
  let receiver: Server;
  const calls: Array<{ id: string | undefined; body: string }> = [];

  beforeAll(async () => {
    // Records each call and never answers: the caller is killed while it waits.
    receiver = createServer((req: IncomingMessage) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => calls.push({ id: req.headers['x-smartcloudops-request-id'] as string | undefined, body }));
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it('runs the action at most once and leaves the request in a clear state', async () => {
    const db = tempDbPath('sco-crash-');
    const config = join(dirname(db), 'actions.json');
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    writeFileSync(
      config,
      JSON.stringify({
        actions: {
          restart: {
            risk: 'medium',
            approvals: 0,
            cooldownS: 0,
            maxPerHour: 10,
            targets: { default: { kind: 'webhook', url, timeoutMs: 60_000, retries: 2 } },
          },
        },
      }),
    );
    const env = { DATABASE_PATH: db, CONFIG_FILE: config, LOG_FORMAT: 'json' };
    expect(
      (
        await runCli(['user', 'add', '--email', 'olivia@example.com', '--role', 'operator', '--name', 'olivia'], {
          env,
          input: 'operator pass phrase\n',
        })
      ).code,
    ).toBe(0);

    const first = spawn(process.execPath, [BIN, 'chat', '--as', 'olivia'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    first.stdout.on('data', (d: Buffer) => (output += d.toString()));
    first.stderr.on('data', (d: Buffer) => (output += d.toString()));
    first.stdin.end('/ops restart checkout-api\n');
    await waitFor(async () => (calls.length > 0 ? true : undefined), 15_000, `the webhook call; chat said: ${output}`);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const [call] = calls;
    const requestId = call.id ?? '';
    expect(requestId).toMatch(/^r[0-9a-f]{6}$/);
    expect(JSON.parse(call.body)).toEqual({ target: 'checkout-api' });

    // The next process on the same store picks the job up again.
    const port = await freePort();
    const second = startCli(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
    try {
      const state = await waitFor(
        async () => {
          const raw = new Database(db, { readonly: true });
          try {
            const row = raw.prepare('SELECT state FROM remediation_requests WHERE id = ?').get(requestId) as
              { state: string } | undefined;
            // Settled, and its audit record written (a statement after the state change).
            const audited = raw
              .prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'remediation.execute'")
              .pluck()
              .get() as number;
            return row && row.state !== 'executing' && audited > 0 ? row.state : undefined;
          } finally {
            raw.close();
          }
        },
        20_000,
        `the recovered request to settle; serve said: ${second.output()}`,
      );
      expect(state).toBe('unknown');
      expect(calls).toHaveLength(1);
      const raw = new Database(db, { readonly: true });
      const audit = raw
        .prepare("SELECT outcome, detail FROM audit_log WHERE action = 'remediation.execute'")
        .all() as Array<{ outcome: string; detail: string }>;
      raw.close();
      expect(audit).toEqual([{ outcome: 'failed', detail: JSON.stringify({ state: 'unknown' }) }]);
    } finally {
      second.kill('SIGTERM');
      await once(second, 'exit');
    }
  }, 60_000);
});
