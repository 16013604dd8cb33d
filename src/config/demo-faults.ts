import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { errorMessage } from '../errors';
import { didYouMean } from '../reply/did-you-mean';
import { DEMO_SERVICE_NAMES } from '../sources/demo/catalog';
import { FAULT_KINDS, type DemoFaultSpec, type FaultStart } from '../sources/demo/faults';

/**
 * DEMO_FAULTS: unset keeps the demo fleet's built-in schedule, `none` is a quiet fleet, anything else
 * is a YAML file of faults (DESIGN.md "Demo faults", examples/demo-faults.yaml):
 *
 *   faults:
 *     - { kind: bad_deploy, service: payments, start: -40m, duration: 2h }
 *
 * `start` is relative to the process start (`-40m`, `2h`, `+1h30m`) or an ISO timestamp with its zone;
 * `duration` is optional (open-ended when absent). Each problem is one line naming the fault.
 */
export type DemoFaultsResult = { ok: true; faults: DemoFaultSpec[] | undefined } | { ok: false; problems: string[] };

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const SPAN = /^([+-])?((?:\d+[dhms])+)$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** "1h30m" -> ms, with its sign; undefined when it is not a span (units in order d, h, m, s, each once). */
function spanMs(text: string): number | undefined {
  const m = SPAN.exec(text.trim());
  if (!m) return undefined;
  const parts = [...m[2].matchAll(/(\d+)([dhms])/g)];
  const order = parts.map((p) => 'dhms'.indexOf(p[2]));
  if (order.some((o, i) => i > 0 && o <= order[i - 1])) return undefined;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
  return m[1] === '-' ? -ms : ms;
}

const START_EXPECTED =
  'expected a time relative to the process start like -40m, 2h or +1h30m, ' +
  'or an ISO timestamp like 2026-03-01T10:00:00Z';
const DURATION_EXPECTED = 'expected a positive duration like 30m, 2h or 1h30m (leave it out for an open-ended fault)';

const startSchema = z.string({ error: START_EXPECTED }).transform((text, ctx): FaultStart => {
  const span = spanMs(text);
  if (span !== undefined) return { afterStartMs: span };
  const at = ISO.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isFinite(at)) return { atMs: at };
  ctx.addIssue({ code: 'custom', message: `${START_EXPECTED}, got ${JSON.stringify(text)}` });
  return z.NEVER;
});

const durationSchema = z.string({ error: DURATION_EXPECTED }).transform((text, ctx) => {
  const span = /^[+-]/.test(text.trim()) ? undefined : spanMs(text);
  if (span !== undefined && span > 0) return span;
  ctx.addIssue({ code: 'custom', message: `${DURATION_EXPECTED}, got ${JSON.stringify(text)}` });
  return z.NEVER;
});

const faultSchema = z.strictObject(
  {
    kind: z.enum(FAULT_KINDS, { error: `expected one of ${FAULT_KINDS.join(', ')}` }),
    service: z
      .string({ error: `expected a service name, one of ${DEMO_SERVICE_NAMES.join(', ')}` })
      .superRefine((name, ctx) => {
        if (DEMO_SERVICE_NAMES.includes(name)) return;
        ctx.addIssue({
          code: 'custom',
          message:
            `unknown service ${JSON.stringify(name)}; expected one of ${DEMO_SERVICE_NAMES.join(', ')}.` +
            didYouMean(name, DEMO_SERVICE_NAMES),
        });
      }),
    start: startSchema,
    duration: durationSchema.optional(),
  },
  {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys')
        return (
          `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: ` +
          'expected kind, service, start, duration'
        );
      if (issue.code === 'invalid_type') return 'expected a fault: a mapping of kind, service, start and duration';
      return undefined;
    },
  },
);

const fileSchema = z.strictObject(
  { faults: z.array(faultSchema, { error: 'expected a list of faults' }) },
  { error: () => 'expected a mapping with one key, faults: a list of faults' },
);

/** Check DEMO_FAULTS (already trimmed, or undefined when unset); reads the file it names. */
export function loadDemoFaults(value: string | undefined): DemoFaultsResult {
  if (value === undefined) return { ok: true, faults: undefined };
  if (value === 'none') return { ok: true, faults: [] };
  const expected = '(expected none or a YAML file of faults)';
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    return { ok: false, problems: [`DEMO_FAULTS: cannot read ${value}: ${why} ${expected}`] };
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const why = `not valid YAML: ${errorMessage(err).split('\n')[0]}`;
    return { ok: false, problems: [`DEMO_FAULTS: cannot read ${value}: ${why} ${expected}`] };
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (parsed.success) {
    return {
      ok: true,
      faults: parsed.data.faults.map((f) => ({
        kind: f.kind,
        service: f.service,
        start: f.start,
        ...(f.duration !== undefined ? { durationMs: f.duration } : {}),
      })),
    };
  }
  const problems = parsed.error.issues.map((issue) => {
    const [, index, ...rest] = issue.path;
    const where =
      index === undefined ? '' : ` fault ${String(index)}${rest.length ? ` (${rest.map(String).join('.')})` : ''}`;
    return `DEMO_FAULTS ${value}:${where || ' (root)'}: ${issue.message}`;
  });
  return { ok: false, problems };
}
