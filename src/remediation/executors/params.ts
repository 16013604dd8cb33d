/**
 * Placeholders in executor templates (a shell runbook's argv, a webhook's JSON body) and the one
 * check every substituted value passes before anything runs.
 *
 *   {target}        the request's target service
 *   {replicas}      params.replicas
 *   {runbook}       params.runbook
 *   {param.NAME}    params[NAME]
 *
 * A value is text of at most 128 characters from [A-Za-z0-9._:=@/-] that starts with a letter or a
 * digit (so it can never be read as an option), with no `..` path segment; numbers are whole
 * numbers in range (replicas 0..1000, anything else 0..1,000,000); booleans become true/false.
 * Shell metacharacters, quotes, spaces, control characters and non-ASCII text are refused outright
 * rather than escaped: a runbook argument or a job parameter never needs them.
 *
 * The template text itself comes from the action catalog (operator-written configuration) and is
 * taken literally; an unknown placeholder there is a configuration error, a missing or bad value in
 * the request is a bad request.
 */
import { AppError } from '../../errors';
import type { RemediationRequest } from '../types';

export type PlaceholderValue = string | number | boolean;

export const MAX_VALUE_LENGTH = 128;
const VALUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:=@/-]*$/;
const ALLOWED = 'letters, digits and . _ : = @ / -';
const NUMBER_RANGES: Record<string, readonly [number, number]> = { replicas: [0, 1000] };
const DEFAULT_RANGE = [0, 1_000_000] as const;

/** `{name}` or `{name.sub}`: anything of this shape in a template is a placeholder. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?)\}/g;
const WHOLE_PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?)\}$/;

/** The first characters of a refused value, escaped, for messages (never the whole of a long value). */
function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function refuse(placeholder: string, value: string, why: string): AppError {
  return new AppError('bad_request', `{${placeholder}} ${preview(value)} is refused: ${why}.`);
}

/** The request's value for a placeholder name (`target`, `replicas`, `runbook`, `param.NAME`). */
export function lookup(name: string, request: RemediationRequest): PlaceholderValue {
  let value: unknown;
  if (name === 'target') value = request.target;
  else if (name === 'replicas' || name === 'runbook')
    value = Object.hasOwn(request.params, name) ? request.params[name] : undefined;
  else if (name.startsWith('param.')) {
    const key = name.slice('param.'.length);
    value = Object.hasOwn(request.params, key) ? request.params[key] : undefined;
  } else {
    throw new AppError(
      'config_invalid',
      `Unknown placeholder {${name}} in a remediation binding; use {target}, {replicas}, {runbook} or {param.NAME}.`,
    );
  }
  if (value === undefined || value === null || value === '') {
    throw new AppError(
      'bad_request',
      `{${name}} has no value in this request; it is needed by the ${request.action} action's binding.`,
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new AppError('bad_request', `{${name}} must be text, a number or true/false, got ${typeof value}.`);
  }
  return value;
}

/** Check one value; returns its text form or throws AppError('bad_request') saying what is wrong. */
export function checkValue(name: string, value: PlaceholderValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    const [min, max] = NUMBER_RANGES[name] ?? NUMBER_RANGES[name.replace(/^param\./, '')] ?? DEFAULT_RANGE;
    if (!Number.isFinite(value) || !Number.isInteger(value))
      throw refuse(name, String(value), 'it must be a whole number');
    if (value < min || value > max) throw refuse(name, String(value), `it must be between ${min} and ${max}`);
    return String(value);
  }
  if (value.length > MAX_VALUE_LENGTH)
    throw refuse(name, value, `it is ${value.length} characters long, at most ${MAX_VALUE_LENGTH} are allowed`);
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(value);
  if (control) throw refuse(name, value, `it contains a control character (${JSON.stringify(control[0])})`);
  if (value.startsWith('-')) throw refuse(name, value, 'it starts with "-" and could be read as an option');
  if (!/^[A-Za-z0-9]/.test(value))
    throw refuse(name, value, `it must start with a letter or a digit, not ${JSON.stringify(value[0])}`);
  if (!VALUE_PATTERN.test(value)) {
    const bad = [...value].find((c) => !/[A-Za-z0-9._:=@/-]/.test(c)) ?? '?';
    throw refuse(name, value, `${JSON.stringify(bad)} is not allowed (only ${ALLOWED})`);
  }
  if (value.split('/').includes('..')) throw refuse(name, value, 'it contains a ".." path segment');
  return value;
}

/** The placeholder names used in a template, in order of appearance. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Substitute every placeholder in a piece of template text with its checked value. */
export function render(template: string, request: RemediationRequest): string {
  // Look up and check everything first, then substitute in one pass: a value is never re-scanned.
  const values = new Map<string, string>();
  for (const name of placeholdersIn(template)) {
    if (!values.has(name)) values.set(name, checkValue(name, lookup(name, request)));
  }
  return template.replace(PLACEHOLDER, (_match, name: string) => values.get(name) ?? '');
}

/**
 * Like `render`, but a template that is exactly one placeholder keeps the value's type
 * (`"{replicas}"` -> 3, not "3"), for JSON bodies.
 */
export function renderTyped(template: string, request: RemediationRequest): PlaceholderValue {
  const whole = WHOLE_PLACEHOLDER.exec(template);
  if (!whole) return render(template, request);
  const name = whole[1] ?? '';
  const value = lookup(name, request);
  const text = checkValue(name, value);
  return typeof value === 'string' ? text : value;
}

/** For descriptive text (a blast radius): substitute what resolves and checks, leave the rest as written. */
export function renderLenient(template: string, request: RemediationRequest): string {
  return template.replace(PLACEHOLDER, (match, name: string) => {
    try {
      return checkValue(name, lookup(name, request));
    } catch {
      return match;
    }
  });
}
