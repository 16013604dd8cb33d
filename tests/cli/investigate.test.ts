import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

jest.setTimeout(120_000);

/**
 * `smartcloudops investigate` (built CLI, DESIGN.md's CLI table): one investigation in this
 * process on the demo fleet with DEMO_FAULTS, printed for people or as the investigation object.
 * It only reads: with no database it creates none.
 */
describe('smartcloudops investigate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sco-investigate-cli-'));
  const faults = join(dir, 'faults.yaml');
  writeFileSync(faults, 'faults:\n  - kind: bad_deploy\n    service: payments\n    start: -40m\n');
  const env = { DATABASE_PATH: join(dir, 'none.db'), DEMO_FAULTS: faults };

  it('finds a bad deploy on a callee from the caller, as JSON with evidence and a suggestion', async () => {
    const r = await runCli(['investigate', 'checkout-api', '--json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout);
    expect(inv).toMatchObject({
      status: 'done',
      verdict: 'root_cause',
      root_cause: { service: 'payments', kind: 'bad_deploy' },
      source: 'rules',
      tokens: 0,
      suggested_actions: [{ command: 'rollback payments' }],
    });
    const tools = inv.hypotheses[0].evidence.map((e: { tool: string }) => e.tool);
    expect(tools).toEqual(expect.arrayContaining(['changes', 'service_anomalies']));
    expect(existsSync(env.DATABASE_PATH)).toBe(false);
  });

  it('reads the service from a question, and prints the answer for people', async () => {
    const r = await runCli(['investigate', '--question', 'why is checkout-api slow?'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Most likely root cause for checkout-api .*: a bad deploy on payments/);
    expect(r.stdout).toMatch(/\[changes\]/);
    expect(r.stdout).toMatch(/rollback payments/);
  });

  it('says inconclusive on a quiet fleet, and refuses an unknown service or incident clearly', async () => {
    const quiet = await runCli(['investigate', 'checkout-api', '--json'], { env: { ...env, DEMO_FAULTS: 'none' } });
    expect(quiet.code).toBe(0);
    expect(JSON.parse(quiet.stdout)).toMatchObject({ verdict: 'inconclusive', root_cause: null });

    const unknown = await runCli(['investigate', 'paymnts'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/I don't know the service “paymnts”/);

    const incident = await runCli(['investigate', '--incident', 'i123456'], { env });
    expect(incident.code).toBe(1);
    expect(incident.stderr).toMatch(/no database at .*none\.db/);
    expect(existsSync(env.DATABASE_PATH)).toBe(false);
  });
});
