import { resolve } from 'node:path';
import { runDoctor } from '../../src/cli/doctor';
import { closedPort, startFakePrometheus } from '../helpers/fake-prometheus';
import { tempDbPath } from '../helpers/app';

const EXAMPLE = resolve(__dirname, '../../config/services.example.yaml');
const KEYS = [
  'METRICS_SOURCE',
  'PROMETHEUS_URL',
  'PROMETHEUS_BEARER_TOKEN',
  'CONFIG_FILE',
  'DATABASE_PATH',
  'REDIS_URL',
];

/** `smartcloudops doctor` reads process.env (it is a composition root); set it for one run. */
async function doctorWith(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, { DATABASE_PATH: tempDbPath('sco-doctor-'), ...env });
  const lines: string[] = [];
  try {
    const code = await runDoctor((l) => lines.push(l));
    return { code, lines };
  } finally {
    for (const k of KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe('doctor: the Prometheus check', () => {
  it('says the server is ready, with its version and the catalog size, using the configured auth', async () => {
    const fake = await startFakePrometheus({ auth: { bearer: 'doc-token' }, prefix: '/prom' });
    try {
      const { lines } = await doctorWith({
        METRICS_SOURCE: 'prometheus',
        PROMETHEUS_URL: fake.url,
        PROMETHEUS_BEARER_TOKEN: 'doc-token',
        CONFIG_FILE: EXAMPLE,
      });
      expect(lines).toContainEqual(
        `ok    prometheus ${fake.url} is ready (Prometheus 2.53.0); 5 service(s) in the catalog`,
      );
      expect(fake.requests.map((r) => r.path)).toEqual(['/-/ready', '/api/v1/status/buildinfo']);
    } finally {
      await fake.close();
    }
  });

  it('says what is wrong and how to fix it', async () => {
    const port = await closedPort();
    const { code, lines } = await doctorWith({
      METRICS_SOURCE: 'prometheus',
      PROMETHEUS_URL: `http://127.0.0.1:${port}`,
      CONFIG_FILE: EXAMPLE,
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain(
      `FAIL  prometheus Prometheus at http://127.0.0.1:${port} is not reachable: ECONNREFUSED\n` +
        '      fix: check PROMETHEUS_URL',
    );
  });

  it('without CONFIG_FILE, the config itself is refused, pointing at the example', async () => {
    const { code, lines } = await doctorWith({ METRICS_SOURCE: 'prometheus', PROMETHEUS_URL: 'http://127.0.0.1:9' });
    expect(code).toBe(1);
    expect(lines[0]).toContain('CONFIG_FILE: required when METRICS_SOURCE=prometheus');
    expect(lines[0]).toContain('config/services.example.yaml');
  });
});
