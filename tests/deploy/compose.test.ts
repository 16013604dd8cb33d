import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Issue 18 point 3 (as far as this machine allows: no container runtime or registry here):
 * docker-compose.yml's services and mounts, and the Prometheus and Alertmanager configs it mounts
 * checked by Debian's own `promtool check config` and `amtool check-config`.
 */
const ROOT = join(__dirname, '..', '..');
const COMPOSE = join(ROOT, 'deploy', 'compose');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  build?: string;
}

function tool(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is needed (apt-get install prometheus prometheus-alertmanager)`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('issue 18.3: docker compose', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('runs serve (control plane only), two workers, Redis with persistence, Prometheus, Alertmanager, Grafana', () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(
      ['alertmanager', 'grafana', 'prometheus', 'redis', 'serve', 'worker-1', 'worker-2'].sort(),
    );
    expect(services.serve.command).toEqual(['serve', '--no-workers']);
    expect(services['worker-1'].command).toEqual(['worker']);
    expect(services['worker-2'].command).toEqual(['worker']);
    for (const name of ['serve', 'worker-1', 'worker-2']) {
      expect(services[name].build).toBe('.');
      expect(services[name].environment?.REDIS_URL).toBe('redis://redis:6379');
    }
    expect(services.serve.volumes).toEqual(['sco-data:/data']);
    expect(services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    // Every file a service mounts is in the repository.
    for (const s of Object.values(services))
      for (const v of s.volumes ?? [])
        if (v.startsWith('./'))
          expect({ v, exists: existsSync(join(ROOT, v.split(':')[0])) }).toEqual({ v, exists: true });
  });

  it('Prometheus config (scraping serve:3000 as job smartcloudops, with the rules) passes promtool', () => {
    const config = readFileSync(join(COMPOSE, 'prometheus.yml'), 'utf8');
    expect(config).toMatch(/job_name: smartcloudops\n\s+static_configs:\n\s+- targets: \['serve:3000'\]/);
    // The rules path as mounted in the container, pointed at the repository's file for the check.
    const dir = mkdtempSync(join(tmpdir(), 'sco-compose-'));
    const local = join(dir, 'prometheus.yml');
    const rules = join(ROOT, 'deploy', 'prometheus', 'smartcloudops-rules.yml');
    writeFileSync(local, config.replace('/etc/prometheus/rules/smartcloudops-rules.yml', rules));
    const checked = tool('promtool', ['check', 'config', local]);
    expect(checked.out).toMatch(/SUCCESS: 5 rules found/);
    expect(checked.code).toBe(0);
  });

  it("Alertmanager config (every alert to the bot's webhook, with the bearer token from a file) passes amtool", () => {
    const config = readFileSync(join(COMPOSE, 'alertmanager.yml'), 'utf8');
    expect(config).toContain('url: http://serve:3000/webhooks/alertmanager');
    const dir = mkdtempSync(join(tmpdir(), 'sco-compose-'));
    writeFileSync(join(dir, 'token'), 'x');
    const local = join(dir, 'alertmanager.yml');
    writeFileSync(local, config.replace('/etc/alertmanager/webhook-token', join(dir, 'token')));
    const checked = tool('amtool', ['check-config', local]);
    expect(checked.out).toMatch(/SUCCESS/);
    expect(checked.code).toBe(0);
  });
});
