import { tempDbPath } from '../helpers/app';
import { runCli } from '../helpers/cli';

jest.setTimeout(120_000);

/** `smartcloudops model train` (built CLI): trains in-process on the demo fleet, registers, evaluates. */
describe('smartcloudops model train', () => {
  const env = { DATABASE_PATH: tempDbPath() };

  it('trains with --trees and --seed, prints the version and scorecard as JSON, and experiments see both', async () => {
    const first = await runCli(
      ['model', 'train', 'payments', '--window', '1d', '--trees', '8', '--seed', '7', '--json'],
      {
        env,
      },
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const v1 = JSON.parse(first.stdout);
    expect(v1).toMatchObject({
      model: 'payments-detector',
      version: 1,
      seed: 7,
      params: { trees: 8, sampleSize: 128, window: 64 },
      created_by: expect.stringMatching(/^cli:/),
      data: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      onnx_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      metrics: { scorecard: expect.objectContaining({ recommendation: 'first_version', candidate: 1 }) },
    });
    expect(Date.parse(v1.data.to) - Date.parse(v1.data.from)).toBe(86_400_000);

    const second = await runCli(['model', 'train', 'payments', '--window', '1d'], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^trained payments-detector v2 \(seed 1, params .*"trees":25/);
    expect(second.stdout).toMatch(/NAB-style score\s+\d/);

    const list = JSON.parse((await runCli(['model', 'show', 'payments-detector', '--json'], { env })).stdout);
    expect(
      list.versions.map((v: { version: number; params: { trees: number } }) => [v.version, v.params.trees]),
    ).toEqual([
      [1, 8],
      [2, 25],
    ]);
  });

  it('refuses bad params and unknown services with a clear message and exit code 1', async () => {
    const big = await runCli(['model', 'train', 'payments', '--trees', '5000'], { env });
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('model parameter trees must be a whole number in 1..1000, got 5000');
    const word = await runCli(['model', 'train', 'payments', '--seed', 'seven'], { env });
    expect(word.code).toBe(1);
    expect(word.stderr).toContain('--seed takes a whole number, got “seven”');
    const unknown = await runCli(['model', 'train', 'paymnts'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown service “paymnts”');
    const window = await runCli(['model', 'train', 'payments', '--window', 'a week'], { env });
    expect(window.code).toBe(1);
    expect(window.stderr).toContain('--window takes a duration like 7d');
  });
});
