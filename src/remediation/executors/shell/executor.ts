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
import { realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AppError } from '../../../errors';
import type { Binding, ExecuteOptions, ExecutionResult, Executor, Plan, RemediationRequest } from '../../types';
import { checkValue, render } from '../params';
import { run, tailOf, type RunOutcome } from './process';
import { blastRadius, resolveScript, type RunbooksDir, type Script } from './script';

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

/** What the executor's methods share: the resolved runbooks folder, PATH and the kill grace. */
interface Shell extends RunbooksDir {
  path: string;
  killGraceMs: number;
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

function cancelledError(signal: AbortSignal): AppError {
  const reason: unknown = signal.reason;
  if (reason instanceof AppError) return reason;
  return new AppError(
    'job_cancelled',
    `Cancelled before the runbook started${reason instanceof Error ? `: ${reason.message}` : ''}.`,
  );
}

/** Everything checked, nothing run: the script and the exact argv. */
async function prepare(
  shell: Shell,
  request: RemediationRequest,
  raw: Binding,
): Promise<{ binding: ShellBinding; script: Script; argv: string[] }> {
  const binding = checkBinding(raw);
  const argv = binding.args.map((arg) => render(arg, request));
  checkValue('target', request.target);
  checkRequestId(request.id);
  const script = await resolveScript(shell, binding.script);
  return { binding, script, argv };
}

async function plan(shell: Shell, request: RemediationRequest, raw: Binding): Promise<Plan> {
  const { script, argv } = await prepare(shell, request, raw);
  return {
    executor: 'shell',
    calls: [[script.display, ...argv].map(quote).join(' ')],
    current: {},
    desired: { script: script.display, argv },
    blastRadius: await blastRadius(script, request),
  };
}

/** The run's result in words: timed out, cancelled, finished, killed or failed, with the output's tail. */
function resultOf(
  command: string,
  binding: ShellBinding,
  outcome: RunOutcome,
  detail: Record<string, unknown>,
  execOptions: ExecuteOptions,
): ExecutionResult {
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
}

async function execute(
  shell: Shell,
  request: RemediationRequest,
  raw: Binding,
  execOptions: ExecuteOptions,
): Promise<ExecutionResult> {
  const { dir, path, killGraceMs } = shell;
  const { binding, script, argv } = await prepare(shell, request, raw);
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
  return resultOf(command, binding, outcome, detail, execOptions);
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
  const shell: Shell = { dir, dirName, path, killGraceMs };
  return {
    kind: 'shell',
    plan: (request, raw) => plan(shell, request, raw),
    execute: (request, raw, execOptions: ExecuteOptions) => execute(shell, request, raw, execOptions),
  };
}
