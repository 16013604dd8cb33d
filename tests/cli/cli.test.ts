import { once } from 'node:events';
import { freePort, runCli, startCli, waitFor } from '../helpers/cli';
import { tempDbPath } from '../helpers/app';

describe('smartcloudops CLI (built)', () => {
  it('chat with piped stdin prints the command list, then the service table, and exits 0', async () => {
    const result = await runCli(['chat', '--as', 'alice'], {
      env: { DATABASE_PATH: tempDbPath() },
      input: 'help\nstatus\n',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const helpAt = result.stdout.indexOf('Here is what I can do');
    const tableAt = result.stdout.search(/service\s+health\s+p99/);
    expect(helpAt).toBeGreaterThanOrEqual(0);
    expect(tableAt).toBeGreaterThan(helpAt);
    expect(result.stdout).toMatch(/checkout-api\s+(ok|UNHEALTHY)/);
  });

  it.each([['serve'], ['worker'], ['chat'], ['intent'], ['detect'], ['doctor']])(
    'issue 13.18: `%s --help` prints its usage and exits 0',
    async (command) => {
      const result = await runCli([command, '--help'], { env: { DATABASE_PATH: tempDbPath(), PORT: 'not-a-port' } });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: smartcloudops ${command}`));
      expect((await runCli(['--help'])).stdout).toContain(`  ${command} `);
    },
  );

  it('stops with exit code 1 and one line per configuration problem', async () => {
    const result = await runCli(['serve'], {
      env: { PORT: 'seventy', QUEUE_CONCURRENCY: '0', DATABASE_PATH: tempDbPath() },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid configuration');
    expect(result.stderr).toMatch(/^ {2}PORT: expected a port number 1-65535, got "seventy"$/m);
    expect(result.stderr).toMatch(
      /^ {2}QUEUE_CONCURRENCY: expected a positive whole number of concurrent jobs, got "0"$/m,
    );
  });

  it('serve answers /healthz and /metrics, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = startCli(['serve'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: tempDbPath(),
      LOG_FORMAT: 'json',
    });
    try {
      const health = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          return res.status === 200 ? res.json() : undefined;
        },
        10_000,
        `/healthz on ${port}: ${child.output()}`,
      );
      expect(health).toEqual({ status: 'ok' });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('smartcloudops_jobs_total');
      expect(metrics).toContain('smartcloudops_http_requests_total');
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(child.output()).toContain('"message":"stopped"');
    }
  });

  it('doctor passes on the embedded defaults and explains a dead Redis', async () => {
    const ok = await runCli(['doctor'], { env: { DATABASE_PATH: tempDbPath() } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok {4}config/m);
    expect(ok.stdout).toMatch(/^ok {4}store/m);
    expect(ok.stdout).toMatch(/^skip {2}redis/m);
    const port = await freePort(); // nothing listens there
    const bad = await runCli(['doctor'], {
      env: { DATABASE_PATH: tempDbPath(), REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}redis/m);
    expect(bad.stdout).toContain('fix: start Redis');
  });

  it('intent prints the contract JSON, one object per line with --jsonl', async () => {
    const one = await runCli(['intent', '/ops status checkout-api']);
    expect(JSON.parse(one.stdout)).toEqual({
      intent: 'status',
      slots: { service: 'checkout-api' },
      confidence: 1,
      missing: [],
      source: 'rules',
    });
    const many = await runCli(['intent', '--jsonl'], { input: 'help\ncancel #42\n' });
    expect(
      many.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).intent),
    ).toEqual(['help', 'cancel_job']);
  });
});
