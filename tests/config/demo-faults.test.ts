import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { DemoFleet } from '../../src/sources/demo';

const dir = mkdtempSync(join(tmpdir(), 'demo-faults-'));
let n = 0;
function file(text: string): string {
  n += 1;
  const path = join(dir, `faults-${n}.yaml`);
  writeFileSync(path, text);
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

function faultsOf(env: Record<string, string>) {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.config.demo.faults;
}

describe('DEMO_FAULTS', () => {
  it('unset keeps the built-in schedule, none is a quiet fleet', () => {
    expect(faultsOf({})).toBeUndefined();
    expect(faultsOf({ DEMO_FAULTS: 'none' })).toEqual([]);
  });

  it('reads relative and ISO starts, durations, and open-ended faults', () => {
    const path = file(
      [
        'faults:',
        '  - { kind: bad_deploy, service: payments, start: -40m, duration: 2h }',
        '  - { kind: memory_leak, service: inventory, start: 2h }',
        '  - { kind: traffic_surge, service: search, start: +1h30m, duration: 45m }',
        '  - { kind: config_change, service: auth-gateway, start: "2025-01-15T10:00:00Z", duration: 90s }',
        '  - { kind: cpu_saturation, service: checkout-api, start: 2025-01-15T10:00:00+01:00 }',
      ].join('\n'),
    );
    expect(faultsOf({ DEMO_FAULTS: path })).toEqual([
      { kind: 'bad_deploy', service: 'payments', start: { afterStartMs: -40 * 60_000 }, durationMs: 2 * 3_600_000 },
      { kind: 'memory_leak', service: 'inventory', start: { afterStartMs: 2 * 3_600_000 } },
      { kind: 'traffic_surge', service: 'search', start: { afterStartMs: 90 * 60_000 }, durationMs: 45 * 60_000 },
      {
        kind: 'config_change',
        service: 'auth-gateway',
        start: { atMs: Date.UTC(2025, 0, 15, 10) },
        durationMs: 90_000,
      },
      { kind: 'cpu_saturation', service: 'checkout-api', start: { atMs: Date.UTC(2025, 0, 15, 9) } },
    ]);
  });

  it('gives one line per problem, naming the variable, the fault and what it expects', () => {
    const path = file(
      [
        'faults:',
        '  - { kind: bad_deploy, service: paymnts, start: -40m }',
        '  - { kind: disk_full, service: search, start: 1h }',
        '  - { kind: memory_leak, service: inventory, start: yesterday }',
        '  - { kind: config_change, service: search, start: 1h, duration: -5m }',
        '  - { kind: traffic_surge, service: search, start: 10m, when: now }',
      ].join('\n'),
    );
    const problems = problemsOf({ DEMO_FAULTS: path });
    expect(problems).toEqual([
      `DEMO_FAULTS ${path}: fault 0 (service): unknown service "paymnts"; expected one of checkout-api, payments, ` +
        'inventory, search, auth-gateway. Did you mean “payments”?',
      `DEMO_FAULTS ${path}: fault 1 (kind): expected one of bad_deploy, config_change, memory_leak, cpu_saturation, ` +
        'traffic_surge, deploy',
      `DEMO_FAULTS ${path}: fault 2 (start): expected a time relative to the process start like -40m, 2h or +1h30m, ` +
        'or an ISO timestamp like 2026-03-01T10:00:00Z, got "yesterday"',
      `DEMO_FAULTS ${path}: fault 3 (duration): expected a positive duration like 30m, 2h or 1h30m ` +
        '(leave it out for an open-ended fault), got "-5m"',
      `DEMO_FAULTS ${path}: fault 4: unknown key when: expected kind, service, start, duration`,
    ]);
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it('says so for a missing file, bad YAML, a file without a list of faults, and a non-demo source', () => {
    const missing = join(dir, 'nope.yaml');
    expect(problemsOf({ DEMO_FAULTS: missing })).toEqual([
      `DEMO_FAULTS: cannot read ${missing}: ENOENT (expected none or a YAML file of faults)`,
    ]);
    const broken = file('faults:\n  - kind: [bad_deploy\n');
    const [yamlProblem, ...rest] = problemsOf({ DEMO_FAULTS: broken });
    expect(rest).toEqual([]);
    expect(yamlProblem).toMatch(new RegExp(`^DEMO_FAULTS: cannot read ${broken}: not valid YAML: .+`));
    expect(yamlProblem).not.toContain('\n');
    const notAList = file('faults: bad_deploy\n');
    expect(problemsOf({ DEMO_FAULTS: notAList })).toEqual([
      `DEMO_FAULTS ${notAList}: (root): expected a list of faults`,
    ]);
    expect(problemsOf({ DEMO_FAULTS: 'none', METRICS_SOURCE: 'csv:.' })).toEqual([
      'DEMO_FAULTS: only for METRICS_SOURCE=demo (the simulated fleet plays the faults); unset it',
    ]);
  });

  it('the example file loads and the fleet plays it', () => {
    const faults = faultsOf({ DEMO_FAULTS: 'examples/demo-faults.yaml' });
    expect(faults?.map((f) => f.kind)).toEqual(['bad_deploy', 'memory_leak', 'traffic_surge']);
    const now = Date.UTC(2025, 0, 15, 12);
    const fleet = new DemoFleet({ seed: 42, clock: () => now, faults });
    expect(fleet.incidentsAt(now).map((i) => [i.service, i.fault])).toEqual([
      ['payments', 'bad_deploy'],
      ['inventory', 'memory_leak'],
    ]);
    expect(fleet.events({ fromMs: now - 3 * 3_600_000, toMs: now }).map((e) => [e.service, e.kind])).toEqual([
      ['inventory', 'oom_kill'],
      ['inventory', 'restart'],
      ['inventory', 'oom_kill'],
      ['inventory', 'restart'],
      ['payments', 'deploy'],
      // The third climb of the leak ends right now.
      ['inventory', 'oom_kill'],
      ['inventory', 'restart'],
    ]);
  });
});
