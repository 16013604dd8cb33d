import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/errors';
import { createShellExecutor } from '../../src/remediation/executors/shell/executor';
import type { Binding, ExecuteOptions, Executor, RemediationRequest } from '../../src/remediation/types';

// Real scripts in a temp runbooks folder, run by the real executor. Nothing of ours is mocked.

let root: string;
let runbooks: string;
let marker: string;
let executor: Executor;

function request(
  overrides: Partial<RemediationRequest> = {},
  params: RemediationRequest['params'] = {},
): RemediationRequest {
  return {
    id: 'req-42',
    action: 'restart',
    target: 'checkout-api',
    params: { replicas: 3, ...params },
    requestedBy: 'alice',
    ...overrides,
  };
}

function binding(script: string, args: string[], more: Partial<Extract<Binding, { kind: 'shell' }>> = {}): Binding {
  return { kind: 'shell', script, args, timeoutMs: 10_000, maxOutputBytes: 64 * 1024, ...more };
}

function options(signal: AbortSignal = new AbortController().signal): ExecuteOptions & { messages: string[] } {
  const messages: string[] = [];
  return { signal, progress: (m: string) => messages.push(m), messages };
}

async function script(name: string, body: string, mode = 0o755, dir = runbooks): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, body);
  await chmod(file, mode);
  return file;
}

/** Alive means running: a zombie nobody reaped yet counts as dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitForFile(file: string): Promise<string> {
  for (;;) {
    if (existsSync(file)) {
      const text = (await readFile(file, 'utf8')).trim();
      if (text) return text;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sco-shell-'));
  runbooks = join(root, 'runbooks');
  await mkdir(runbooks);
  marker = join(root, 'RAN');
  executor = createShellExecutor({ runbooksDir: runbooks, killGraceMs: 300 });
  // Prints its argv one per line, the environment it got, and leaves a marker: proof that it ran.
  await script(
    'echo-args.sh',
    [
      '#!/bin/sh',
      '# blast-radius: every pod of {target} restarts, {replicas} at a time',
      `touch '${marker}'`,
      'i=0',
      'for a in "$@"; do i=$((i+1)); printf "arg%d=[%s]\\n" "$i" "$a"; done',
      'echo "argc=$#"',
      'echo "cwd=$(pwd)"',
      'echo "PATH=$PATH"',
      'echo "SCO_REQUEST_ID=$SCO_REQUEST_ID"',
      'echo "SCO_ACTION=$SCO_ACTION"',
      'echo "SCO_TARGET=$SCO_TARGET"',
      'echo "HOME=${HOME:-unset}"',
      'echo "SCO_TEST_SECRET=${SCO_TEST_SECRET:-unset}"',
      '',
    ].join('\n'),
  );
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('shell executor: what the script receives', () => {
  it(
    'runs the script with exactly the templated argv, ' + 'in the runbooks folder, with a minimal environment',
    async () => {
      process.env.SCO_TEST_SECRET = 'do-not-leak';
      try {
        const result = await executor.execute(
          request({}, { zone: 'eu-west-1a' }),
          binding('echo-args.sh', [
            '{target}',
            '{replicas}',
            '--service={target}',
            'literal text with spaces',
            'zone:{param.zone}/{replicas}',
          ]),
          options(),
        );
        expect(result.ok).toBe(true);
        const output = String(result.detail?.output);
        expect(output).toContain(
          [
            'arg1=[checkout-api]',
            'arg2=[3]',
            'arg3=[--service=checkout-api]',
            'arg4=[literal text with spaces]',
            'arg5=[zone:eu-west-1a/3]',
            'argc=5',
            `cwd=${runbooks}`,
            'PATH=/usr/local/bin:/usr/bin:/bin',
            'SCO_REQUEST_ID=req-42',
            'SCO_ACTION=restart',
            'SCO_TARGET=checkout-api',
            'HOME=unset',
            'SCO_TEST_SECRET=unset',
          ].join('\n'),
        );
        expect(result.detail).toMatchObject({
          exitCode: 0,
          argv: ['checkout-api', '3', '--service=checkout-api', 'literal text with spaces', 'zone:eu-west-1a/3'],
        });
        // The last lines of output make the summary.
        expect(result.summary).toContain('finished');
        expect(result.summary).toContain('SCO_TEST_SECRET=unset');
      } finally {
        delete process.env.SCO_TEST_SECRET;
      }
    },
  );

  it('plans the exact argv, with the blast radius from the runbook header', async () => {
    const plan = await executor.plan(request(), binding('echo-args.sh', ['{target}', '{replicas}']));
    expect(plan).toEqual({
      executor: 'shell',
      calls: ['runbooks/echo-args.sh checkout-api 3'],
      current: {},
      desired: { script: 'runbooks/echo-args.sh', argv: ['checkout-api', '3'] },
      blastRadius: 'every pod of checkout-api restarts, 3 at a time',
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('plans a generic blast radius when the runbook declares none', async () => {
    await script('restart.sh', '#!/bin/sh\n# Restarts a service.\necho ok\n');
    const plan = await executor.plan(request(), binding('restart.sh', ['{target}', 'two words']));
    expect(plan.calls).toEqual(["runbooks/restart.sh checkout-api 'two words'"]);
    expect(plan.blastRadius).toBe('whatever runbooks/restart.sh does to checkout-api');
  });

  it('runs a symlink that stays inside the runbooks folder', async () => {
    await symlink('echo-args.sh', join(runbooks, 'alias.sh'));
    const result = await executor.execute(request(), binding('alias.sh', ['{target}']), options());
    expect(result.ok).toBe(true);
    expect(result.detail?.output).toContain('arg1=[checkout-api]');
  });
});

describe('shell executor: values are checked before anything runs', () => {
  const injections: Array<[string, string]> = [
    ['a command after ;', 'checkout-api; rm -rf /'],
    ['command substitution', '$(id)'],
    ['backticks', '`id`'],
    ['a path up and out', '../../etc/passwd'],
    ['a .. segment in the middle', 'logs/../../etc/passwd'],
    ['an option', '-rf'],
    ['a long option', '--exec=id'],
    ['10,000 characters', 'a'.repeat(10_000)],
    ['a newline', 'checkout-api\nid'],
    ['a NUL', 'checkout-api\0id'],
    ['a space', 'checkout api'],
    ['a quote', "checkout'api"],
    ['a pipe', 'checkout-api|id'],
    ['a redirect', 'checkout-api>x'],
    ['a glob', 'checkout-*'],
    ['non-ASCII', 'checkout-аpi'],
  ];

  it.each(injections)('refuses %s as {target} in plan() and execute()', async (_what, value) => {
    const b = binding('echo-args.sh', ['--service={target}']);
    const req = request({ target: value });
    await expect(executor.plan(req, b)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('{target}'),
    });
    const err: unknown = await executor.execute(req, b, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'bad_request' });
    expect((err as AppError).message).toMatch(/^\{target\} ".*" is refused: .+\.$/s);
    expect((err as AppError).message.length).toBeLessThan(200);
    expect(existsSync(marker)).toBe(false);
  });

  it.each(injections)('refuses %s as a {param.NAME} value', async (_what, value) => {
    const err: unknown = await executor
      .execute(request({}, { note: value }), binding('echo-args.sh', ['{param.note}']), options())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_request', message: expect.stringContaining('{param.note}') });
    expect(existsSync(marker)).toBe(false);
  });

  it('says why, in words', async () => {
    const why = async (value: string): Promise<string> => {
      const err = (await executor
        .plan(request({}, { v: value }), binding('echo-args.sh', ['{param.v}']))
        .catch((e: unknown) => e)) as AppError;
      return err.message;
    };
    expect(await why('checkout-api; rm -rf /')).toBe(
      '{param.v} "checkout-api; rm -rf /" is refused: ";" is not allowed (only letters, digits and . _ : = @ / -).',
    );
    expect(await why('-rf')).toBe('{param.v} "-rf" is refused: it starts with "-" and could be read as an option.');
    expect(await why('../../etc/passwd')).toBe(
      '{param.v} "../../etc/passwd" is refused: it must start with a letter or a digit, not ".".',
    );
    expect(await why('a/../b')).toBe('{param.v} "a/../b" is refused: it contains a ".." path segment.');
    expect(await why('a\nb')).toBe('{param.v} "a\\nb" is refused: it contains a control character ("\\n").');
    expect(await why('x'.repeat(10_000))).toBe(
      `{param.v} "${'x'.repeat(40)}…" is refused: it is 10000 characters long, at most 128 are allowed.`,
    );
  });

  it.each([
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
    ['a negative number', -1],
    ['too many replicas', 1_000_000],
  ])('refuses %s as {replicas}', async (_what, replicas) => {
    const err: unknown = await executor
      .execute(request({}, { replicas }), binding('echo-args.sh', ['{target}', '{replicas}']), options())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_request', message: expect.stringContaining('{replicas}') });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a missing placeholder value, naming it', async () => {
    const err: unknown = await executor
      .execute(request({}, {}), binding('echo-args.sh', ['{target}', '{param.zone}']), options())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_request', message: expect.stringContaining('{param.zone} has no value') });
    const noRunbook: unknown = await executor
      .plan(request(), binding('echo-args.sh', ['{runbook}']))
      .catch((e: unknown) => e);
    expect(noRunbook).toMatchObject({ code: 'bad_request', message: expect.stringContaining('{runbook}') });
    expect(existsSync(marker)).toBe(false);
  });

  it('takes only own params: {param.constructor} is missing, not Object', async () => {
    await expect(executor.plan(request(), binding('echo-args.sh', ['{param.constructor}']))).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('treats an unknown placeholder in the binding as a configuration error', async () => {
    await expect(executor.plan(request(), binding('echo-args.sh', ['{tagret}']))).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('{tagret}'),
    });
  });

  it('checks the target even when the argv does not use it (it goes into SCO_TARGET)', async () => {
    await expect(
      executor.execute(request({ target: '$(id)' }), binding('echo-args.sh', ['fixed']), options()),
    ).rejects.toMatchObject({ code: 'bad_request' });
    expect(existsSync(marker)).toBe(false);
  });
});

describe('shell executor: only executable scripts inside the runbooks folder', () => {
  let outside: string;

  beforeEach(async () => {
    outside = join(root, 'outside');
    await mkdir(outside);
    await script('evil.sh', `#!/bin/sh\ntouch '${marker}'\n`, 0o755, outside);
  });

  it('refuses a ../ script name', async () => {
    const b = binding('../outside/evil.sh', []);
    await expect(executor.plan(request(), b)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(executor.execute(request(), b, options())).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('outside runbooks/'),
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an absolute script path', async () => {
    await expect(executor.execute(request(), binding(join(outside, 'evil.sh'), []), options())).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a symlink that leads out of the folder', async () => {
    await symlink(join(outside, 'evil.sh'), join(runbooks, 'looks-fine.sh'));
    await expect(executor.execute(request(), binding('looks-fine.sh', []), options())).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('resolves outside'),
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a symlinked folder that leads out', async () => {
    await symlink(outside, join(runbooks, 'sub'));
    await expect(executor.execute(request(), binding('sub/evil.sh', []), options())).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a script that is not executable', async () => {
    await script('plain.sh', `#!/bin/sh\ntouch '${marker}'\n`, 0o644);
    await expect(executor.execute(request(), binding('plain.sh', []), options())).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('not executable'),
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a world-writable script', async () => {
    await script('open.sh', `#!/bin/sh\ntouch '${marker}'\n`, 0o757);
    await expect(executor.execute(request(), binding('open.sh', []), options())).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('writable by anyone'),
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a folder and a missing file', async () => {
    await mkdir(join(runbooks, 'dir.sh'));
    await expect(executor.execute(request(), binding('dir.sh', []), options())).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('not a regular file'),
    });
    await expect(executor.execute(request(), binding('nope.sh', []), options())).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('fails early when the runbooks folder does not exist', () => {
    expect(() => createShellExecutor({ runbooksDir: join(root, 'missing') })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});

describe('shell executor: outcomes', () => {
  it('reports a non-zero exit with its code and the last lines of output', async () => {
    await script(
      'fail.sh',
      '#!/bin/sh\necho "draining checkout-api"\necho "kubectl: connection refused" >&2\nexit 3\n',
    );
    const result = await executor.execute(request(), binding('fail.sh', ['{target}']), options());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      'runbooks/fail.sh checkout-api failed with exit code 3: draining checkout-api | kubectl: connection refused',
    );
    expect(result.detail).toMatchObject({
      exitCode: 3,
      output: 'draining checkout-api\nkubectl: connection refused\n',
    });
  });

  it('truncates long output, keeping the start and the end', async () => {
    await script(
      'chatty.sh',
      '#!/bin/sh\necho FIRST\ni=0\nwhile [ $i -lt 2000 ]; do echo "line $i of noise"; i=$((i+1)); done\necho LAST\n',
    );
    const result = await executor.execute(request(), binding('chatty.sh', [], { maxOutputBytes: 200 }), options());
    expect(result.ok).toBe(true);
    const output = String(result.detail?.output);
    const dropped = Number(result.detail?.truncatedBytes);
    expect(dropped).toBeGreaterThan(0);
    expect(output).toContain(`[truncated ${dropped} bytes]`);
    expect(output.startsWith('FIRST\n')).toBe(true);
    expect(output.endsWith('LAST\n')).toBe(true);
    expect(Buffer.byteLength(output.replace(`\n[truncated ${dropped} bytes]\n`, ''))).toBe(200);
    expect(result.summary).toContain('LAST');
  });

  it('kills a script that runs too long, with the process it started, and says so', async () => {
    const pids = join(root, 'pids');
    await script('hang.sh', `#!/bin/sh\necho "starting"\nsleep 30 &\necho "$$ $!" > '${pids}'\nwait\n`);
    const opts = options();
    const result = await executor.execute(request(), binding('hang.sh', [], { timeoutMs: 1500 }), opts);
    expect(result.ok).toBe(false);
    expect(result.summary).toBe('runbooks/hang.sh timed out after 1.5 s and was killed: starting');
    expect(result.detail).toMatchObject({ timedOut: true });
    const [shell, sleeper] = (await waitForFile(pids)).split(' ').map(Number);
    expect(alive(shell ?? 0)).toBe(false);
    expect(alive(sleeper ?? 0)).toBe(false);
    expect(opts.messages).toContain('runbooks/hang.sh timed out after 1.5 s; stopping it');
  });

  it('SIGKILLs a script that ignores SIGTERM, after the grace period', async () => {
    const pids = join(root, 'pids');
    await script('stubborn.sh', `#!/bin/sh\ntrap '' TERM\nsleep 30 &\necho "$$ $!" > '${pids}'\nwait\nwait\n`);
    const result = await executor.execute(request(), binding('stubborn.sh', [], { timeoutMs: 1000 }), options());
    expect(result.ok).toBe(false);
    expect(result.summary).toContain('timed out after 1 s');
    expect(result.detail).toMatchObject({ signal: 'SIGKILL' });
    const [shell, sleeper] = (await waitForFile(pids)).split(' ').map(Number);
    expect(alive(shell ?? 0)).toBe(false);
    expect(alive(sleeper ?? 0)).toBe(false);
  });

  it('stops the script when the signal aborts', async () => {
    const pids = join(root, 'pids');
    await script('long.sh', `#!/bin/sh\necho "step 1 of 2"\nsleep 30 &\necho "$$ $!" > '${pids}'\nwait\n`);
    const controller = new AbortController();
    const running = executor.execute(
      request(),
      binding('long.sh', [], { timeoutMs: 60_000 }),
      options(controller.signal),
    );
    const [shell, sleeper] = (await waitForFile(pids)).split(' ').map(Number);
    controller.abort(new AppError('job_cancelled', 'cancelled by alice'));
    const result = await running;
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      'runbooks/long.sh was cancelled (cancelled by alice) and killed; it may have done part of its work: step 1 of 2',
    );
    expect(result.detail).toMatchObject({ cancelled: true });
    expect(alive(shell ?? 0)).toBe(false);
    expect(alive(sleeper ?? 0)).toBe(false);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new AppError('job_cancelled', 'cancelled by alice'));
    await expect(
      executor.execute(request(), binding('echo-args.sh', []), options(controller.signal)),
    ).rejects.toMatchObject({ code: 'job_cancelled' });
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a script that cannot start', async () => {
    await script('broken.sh', '#!/nonexistent/interpreter\necho hi\n');
    await expect(executor.execute(request(), binding('broken.sh', []), options())).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('could not be started'),
    });
  });

  it('refuses a binding of another kind', async () => {
    await expect(executor.plan(request(), { kind: 'demo' })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
