import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, tempDbPath, testApp } from '../helpers/app';
import { runCli } from '../helpers/cli';

/** Repeated failures of one action on one target open its breaker until an admin resets it. */
describe('remediation breaker', () => {
  let receiver: Server;
  let app: App;
  let calls = 0;

  beforeAll(async () => {
    receiver = createServer((_req, res) => {
      calls++;
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"job template not found"}');
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
  });
  afterAll(async () => {
    await app?.close();
    await new Promise((r) => receiver.close(r));
  });

  it('blocks the fourth try after three failures in a row, until `breaker reset`', async () => {
    const db = tempDbPath('sco-breaker-');
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
            maxPerHour: 50,
            targets: { default: { kind: 'webhook', url, retries: 0 } },
          },
        },
      }),
    );
    ({ app } = await testApp({ DATABASE_PATH: db, CONFIG_FILE: config, DEFAULT_ROLE: 'operator' }));
    await app.startWorkers();
    const say = async (text: string) => {
      const sink = recordingSink();
      const handled = await app.conversation.handleMessage(
        { platform: 'slack', user: 'U1', channel: 'C1', thread: 't', text },
        sink,
      );
      await handled.done;
      return sink.messages.map((m) => renderText(lastVersion(m))).join('\n');
    };
    for (let i = 0; i < 3; i++) expect(await say('/ops restart checkout-api')).toMatch(/restart checkout-api failed/);
    expect(calls).toBe(3);
    expect(await say('/ops restart checkout-api')).toMatch(
      /breaker for restart on checkout-api is open after 3 failures/,
    );
    expect(calls).toBe(3);

    const reset = await runCli(['breaker', 'reset', 'restart', 'checkout-api'], {
      env: { DATABASE_PATH: db, CONFIG_FILE: config },
    });
    expect(reset.stdout).toMatch(/breaker for restart on checkout-api closed \(it had 3 failures in a row\)/);
    expect(await say('/ops restart checkout-api')).toMatch(/restart checkout-api failed/);
    expect(calls).toBe(4);
    expect(app.auth.audit.list({ action: 'remediation.breaker_reset' })).toHaveLength(1);
  }, 30_000);
});
