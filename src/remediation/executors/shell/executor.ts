/**
 * The shell-runbook executor: runs one executable script from the runbooks folder with an argv
 * built from the binding's template (see params.ts for placeholders and the value check).
 *
 * Safety, in order: every value is checked before anything else happens; the script name is
 * resolved with realpath and must stay inside the runbooks folder (symlinks included) and be an
 * executable regular file that is not world-writable; the process is started without a shell,
 * with cwd = the runbooks folder and an environment of PATH, SCO_REQUEST_ID, SCO_ACTION and
 * SCO_TARGET only, in its own process group. On timeout or cancellation the whole group gets
 * SIGTERM, then SIGKILL after a grace period. stdout and stderr are captured together; past
 * maxOutputBytes the middle is dropped ("[truncated N bytes]") so both the start and the end stay.
 *
 * `spawn` is used rather than `execFile` (which wraps it): execFile's maxBuffer kills the script
 * when its output gets long, and a half-finished remediation is worse than a truncated log.
 *
 * A runbook may declare its blast radius in its leading comment block for plan():
 *   #!/bin/sh
 *   # blast-radius: every pod of {target} restarts, one at a time
 */
import { spawn } from 'node:child_process';
import { constants, realpathSync, statSync } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../../../errors';
import type { Binding, ExecuteOptions, ExecutionResult, Executor, Plan, RemediationRequest } from '../../types';
import { checkValue, render, renderLenient } from '../params';

export interface ShellExecutorOptions {
  /** The folder holding the runbook scripts. */
  runbooksDir: string;
  /** PATH for the scripts (they get nothing else from our environment). */
  path?: string;
  /** Between SIGTERM and SIGKILL on timeout or cancellation. */
  killGraceMs?: number;
}

type ShellBinding = Extract<Binding, { kind: 'shell' }>;

export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const DEFAULT_KILL_GRACE_MS = 2000;
/** After the script exits, how long a leftover background process may keep its output open. */
const DRAIN_MS = 1000;
const SUMMARY_LINES = 3;
const SUMMARY_CHARS = 300;

interface Script {
  /** The resolved file that runs. */
  file: string;
  /** As plan and messages show it: `runbooks/restart.sh`. */
  display: string;
}

interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  output: string;
  truncatedBytes: number;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function quote(arg: string): string {
  return /^[A-Za-z0-9._:=@/%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function checkBinding(binding: Binding): ShellBinding {
  if (binding.kind !== 'shell')
    throw new AppError(
      'config_invalid',
      `The shell executor got a "${binding.kind}" binding; bind this action with kind "shell".`,
    );
  if (typeof binding.script !== 'string' || binding.script === '')
    throw new AppError('config_invalid', 'A shell binding needs "script": a file name in the runbooks folder.');
  if (!Array.isArray(binding.args) || binding.args.some((a) => typeof a !== 'string'))
    throw new AppError('config_invalid', `The shell binding for ${binding.script} needs "args": a list of strings.`);
  if (!Number.isSafeInteger(binding.timeoutMs) || binding.timeoutMs <= 0)
    throw new AppError(
      'config_invalid',
      `The shell binding for ${binding.script} needs "timeoutMs": a positive whole number of milliseconds.`,
    );
  if (!Number.isSafeInteger(binding.maxOutputBytes) || binding.maxOutputBytes <= 0)
    throw new AppError(
      'config_invalid',
      `The shell binding for ${binding.script} needs "maxOutputBytes": a positive whole number.`,
    );
  return binding;
}

/** SCO_REQUEST_ID: not a template value, but still no control characters and a sane length. */
function checkRequestId(id: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof id !== 'string' || id === '' || id.length > 200 || /[\u0000-\u001f\u007f]/.test(id))
    throw new AppError('bad_request', 'The remediation request id must be 1-200 printable characters.');
  return id;
}

/** stdout + stderr in arrival order, keeping the first and the last halves past `max` bytes. */
class Output {
  private readonly headMax: number;
  private readonly tailMax: number;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private total = 0;

  constructor(max: number) {
    this.headMax = Math.floor(max / 2);
    this.tailMax = max - this.headMax;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.head.length < this.headMax) {
      const take = rest.subarray(0, this.headMax - this.head.length);
      this.head = Buffer.concat([this.head, take]);
      rest = rest.subarray(take.length);
    }
    if (rest.length > 0) {
      const joined = Buffer.concat([this.tail, rest]);
      this.tail = joined.length > this.tailMax ? joined.subarray(joined.length - this.tailMax) : joined;
    }
  }

  get truncatedBytes(): number {
    return this.total - this.head.length - this.tail.length;
  }

  text(): string {
    const dropped = this.truncatedBytes;
    if (dropped === 0) return Buffer.concat([this.head, this.tail]).toString('utf8');
    return `${this.head.toString('utf8')}\n[truncated ${dropped} bytes]\n${this.tail.toString('utf8')}`;
  }
}

/** The last few non-empty lines of output, on one line, for the chat summary. */
function tailOf(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return '(no output)';
  const text = lines.slice(-SUMMARY_LINES).join(' | ');
  return text.length > SUMMARY_CHARS ? `…${text.slice(text.length - SUMMARY_CHARS)}` : text;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function run(
  file: string,
  argv: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    maxOutputBytes: number;
    killGraceMs: number;
    signal: AbortSignal;
    onKill(why: string): void;
  },
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const output = new Output(options.maxOutputBytes);
    const timers: NodeJS.Timeout[] = [];
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });

    const stop = (why: 'timeout' | 'cancel'): void => {
      if (timedOut || cancelled || exit) return;
      if (why === 'timeout') timedOut = true;
      else cancelled = true;
      options.onKill(why);
      killGroup(child.pid, 'SIGTERM');
      timers.push(setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs));
    };
    const onAbort = (): void => stop('cancel');

    const finish = (outcome: RunOutcome | { startError: unknown }): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      // Once we started stopping it, nothing of the group may outlive the run.
      if (timedOut || cancelled) killGroup(child.pid, 'SIGKILL');
      options.signal.removeEventListener('abort', onAbort);
      if ('startError' in outcome) reject(outcome.startError);
      else resolve(outcome);
    };

    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (err) => {
      if (child.pid === undefined) finish({ startError: err });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A background process the script left behind may hold the pipes open: stop reading soon.
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
      drain.unref();
      timers.push(drain);
    });
    child.on('close', (code, signal) => {
      const final = exit ?? { code, signal };
      finish({
        exitCode: final.code,
        signal: final.signal,
        timedOut,
        cancelled,
        output: output.text(),
        truncatedBytes: output.truncatedBytes,
      });
    });

    timers.push(setTimeout(() => stop('timeout'), options.timeoutMs));
    if (options.signal.aborted) stop('cancel');
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelledError(signal: AbortSignal): AppError {
  const reason: unknown = signal.reason;
  if (reason instanceof AppError) return reason;
  return new AppError(
    'job_cancelled',
    `Cancelled before the runbook started${reason instanceof Error ? `: ${reason.message}` : ''}.`,
  );
}

export function createShellExecutor(options: ShellExecutorOptions): Executor {
  if (!options || typeof options.runbooksDir !== 'string' || options.runbooksDir === '') {
    throw new AppError(
      'config_invalid',
      'createShellExecutor needs runbooksDir: the folder that holds the runbook scripts.',
    );
  }
  let dir: string;
  try {
    dir = realpathSync(options.runbooksDir);
  } catch (err) {
    throw new AppError(
      'config_invalid',
      `The runbooks folder ${options.runbooksDir} does not exist; create it or point runbooksDir elsewhere.`,
      { cause: err },
    );
  }
  if (!statSync(dir).isDirectory())
    throw new AppError('config_invalid', `The runbooks folder ${options.runbooksDir} is not a folder.`);
  const dirName = basename(dir);
  const path = options.path ?? DEFAULT_PATH;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (!Number.isSafeInteger(killGraceMs) || killGraceMs < 0)
    throw new AppError('config_invalid', 'killGraceMs must be a whole number of milliseconds, 0 or more.');

  async function resolveScript(script: string): Promise<Script> {
    const display = `${dirName}/${script}`;
    // eslint-disable-next-line no-control-regex
    if (isAbsolute(script) || /[\u0000-\u001f]/.test(script))
      throw new AppError('forbidden', `Runbook "${script}" must be a file name inside ${dirName}/.`);
    const lexical = relative(dir, join(dir, script));
    if (lexical === '' || lexical === '..' || lexical.startsWith(`..${sep}`))
      throw new AppError(
        'forbidden',
        `Runbook "${script}" points outside ${dirName}/; only scripts inside it may run.`,
      );
    let file: string;
    try {
      file = await realpath(join(dir, script));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new AppError('not_found', `Runbook ${display} does not exist.`, { cause: err });
      throw new AppError('config_invalid', `Runbook ${display} cannot be resolved: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const inside = relative(dir, file);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new AppError(
        'forbidden',
        `Runbook ${display} resolves outside ${dirName}/ (a symlink?); only scripts inside it may run.`,
      );
    }
    const st = await stat(file);
    if (!st.isFile()) throw new AppError('config_invalid', `Runbook ${display} is not a regular file.`);
    if ((st.mode & 0o111) === 0)
      throw new AppError('config_invalid', `Runbook ${display} is not executable; chmod +x it if it should run.`);
    if ((st.mode & 0o002) !== 0)
      throw new AppError('forbidden', `Runbook ${display} is writable by anyone; chmod o-w it before it may run.`);
    try {
      await access(file, constants.X_OK);
    } catch (err) {
      throw new AppError('config_invalid', `Runbook ${display} is not executable by this service's user.`, {
        cause: err,
      });
    }
    return { file, display };
  }

  /** Everything checked, nothing run: the script and the exact argv. */
  async function prepare(
    request: RemediationRequest,
    raw: Binding,
  ): Promise<{ binding: ShellBinding; script: Script; argv: string[] }> {
    const binding = checkBinding(raw);
    const argv = binding.args.map((arg) => render(arg, request));
    checkValue('target', request.target);
    checkRequestId(request.id);
    const script = await resolveScript(binding.script);
    return { binding, script, argv };
  }

  async function blastRadius(script: Script, request: RemediationRequest): Promise<string> {
    const fallback = `whatever ${script.display} does to ${request.target}`;
    let head: string;
    const handle = await open(script.file, 'r');
    try {
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    for (const line of head.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#!')) continue;
      if (!trimmed.startsWith('#')) break;
      const m = /^#\s*blast-radius:\s*(.+)$/i.exec(trimmed);
      if (m?.[1]) return renderLenient(m[1].trim(), request).slice(0, SUMMARY_CHARS);
    }
    return fallback;
  }

  return {
    kind: 'shell',

    async plan(request, raw): Promise<Plan> {
      const { script, argv } = await prepare(request, raw);
      return {
        executor: 'shell',
        calls: [[script.display, ...argv].map(quote).join(' ')],
        current: {},
        desired: { script: script.display, argv },
        blastRadius: await blastRadius(script, request),
      };
    },

    async execute(request, raw, execOptions: ExecuteOptions): Promise<ExecutionResult> {
      const { binding, script, argv } = await prepare(request, raw);
      if (execOptions.signal.aborted) throw cancelledError(execOptions.signal);
      const command = [script.display, ...argv].map(quote).join(' ');
      execOptions.progress(`running ${command}`);
      const started = Date.now();
      let outcome: RunOutcome;
      try {
        outcome = await run(script.file, argv, {
          cwd: dir,
          env: { PATH: path, SCO_REQUEST_ID: request.id, SCO_ACTION: request.action, SCO_TARGET: request.target },
          timeoutMs: binding.timeoutMs,
          maxOutputBytes: binding.maxOutputBytes,
          killGraceMs,
          signal: execOptions.signal,
          onKill: (why) =>
            execOptions.progress(
              why === 'timeout'
                ? `${script.display} timed out after ${formatMs(binding.timeoutMs)}; stopping it`
                : `${script.display} cancelled; stopping it`,
            ),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
        throw new AppError(
          'config_invalid',
          `Runbook ${script.display} could not be started (${code}); check its #! line and permissions.`,
          { cause: err },
        );
      }
      const detail = {
        script: script.display,
        argv,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        output: outcome.output,
        truncatedBytes: outcome.truncatedBytes,
        durationMs: Date.now() - started,
        ...(outcome.timedOut ? { timedOut: true } : {}),
        ...(outcome.cancelled ? { cancelled: true } : {}),
      };
      const tail = tailOf(outcome.output);
      if (outcome.timedOut)
        return {
          ok: false,
          summary: `${command} timed out after ${formatMs(binding.timeoutMs)} and was killed: ${tail}`,
          detail,
        };
      if (outcome.cancelled) {
        const reason: unknown = execOptions.signal.reason;
        const why = reason instanceof Error ? ` (${reason.message})` : '';
        return {
          ok: false,
          summary: `${command} was cancelled${why} and killed; it may have done part of its work: ${tail}`,
          detail,
        };
      }
      if (outcome.exitCode === 0) return { ok: true, summary: `${command} finished: ${tail}`, detail };
      if (outcome.exitCode === null)
        return { ok: false, summary: `${command} was killed by ${outcome.signal ?? 'a signal'}: ${tail}`, detail };
      return { ok: false, summary: `${command} failed with exit code ${outcome.exitCode}: ${tail}`, detail };
    },
  };
}
