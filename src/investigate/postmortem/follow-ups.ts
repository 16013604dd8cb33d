/**
 * The follow-ups a postmortem proposes: the investigation's suggestions nobody ran, actions that
 * failed, the runbooks it linked, the usual work after this kind of root cause, and gaps the
 * facts show (nobody acknowledged, impact unknown, still open). Each is a checklist line.
 */
import type { RootCauseKind } from '../../ports/investigation';
import type { ActionTaken, PostmortemFacts } from './types';
import { inline, span } from './words';

/** A first alert this long after the impact began asks for earlier alerting. */
const DETECTION_LAG_MS = 10 * 60_000;

/** Work that usually follows each kind of root cause, given the service. */
const BY_KIND: Record<RootCauseKind, (service: string) => string[]> = {
  bad_deploy: (s) => [
    `Find the change in the ${s} deploy that caused it and add a test that would have caught it`,
    `Gate ${s} deploys on error rate and p99 latency (canary or progressive rollout with automatic rollback)`,
  ],
  config_change: (s) => [
    `Find the ${s} config change that caused it; validate config before it ships`,
    `Roll ${s} config changes out in stages, with the same review and rollback as code`,
  ],
  memory_leak: (s) => [
    `Find the leak in ${s} (heap profile before an OOM kill) and fix it`,
    `Alert on ${s} memory growth before the limit, not only on OOM kills`,
  ],
  cpu_saturation: (s) => [
    `Review ${s} CPU requests, limits and autoscaling thresholds`,
    `Profile ${s} for the hot path that used the CPU`,
  ],
  traffic_surge: (s) => [
    `Check ${s} autoscaling headroom and rate limits against a surge of this size`,
    `Find where the surge came from (a client, a retry storm, a campaign) and whether it was expected`,
  ],
  other: (s) => [`Write down what caused it on ${s} and how to recognise it next time`],
};

/** States in which a request was carried out, or is being. */
const TAKEN = new Set(['approved', 'executing', 'succeeded', 'failed', 'unknown', 'pending_approval']);

const sameCommand = (a: ActionTaken, command: string) =>
  a.command === command || `${a.action} ${a.target}` === command.split(' ').slice(0, 2).join(' ');

export function followUps(f: PostmortemFacts): string[] {
  const out: string[] = [];
  const inv = f.investigation;
  for (const command of inv?.suggestedActions ?? []) {
    if (!f.actions.some((a) => TAKEN.has(a.state) && sameCommand(a, command)))
      out.push(`Decide on \`${command}\`: the investigation suggested it and it was not run during the incident`);
  }
  for (const a of f.actions.filter((x) => x.state === 'failed' || x.state === 'unknown'))
    out.push(`Find out why \`${a.command}\` (${a.id}) ended ${a.state} and fix what stopped it`);
  for (const a of f.actions.filter((x) => x.verified && !x.verified.ok))
    out.push(`\`${a.command}\` (${a.id}) ran but did not verify: check ${a.target} recovered for good`);
  for (const r of inv?.runbooks ?? [])
    out.push(
      `Review the runbook “${inline(r.title, 120)}” (${inline(r.url ?? r.path ?? r.name, 200)}) ` +
        'against what was done, and update it',
    );
  const cause = inv?.rootCause;
  if (cause) out.push(...BY_KIND[cause.kind](cause.service));
  else
    out.push(
      inv
        ? 'Find the root cause: the investigation was inconclusive; add what people learned to this postmortem'
        : `Find the root cause: run \`investigate incident ${f.incident.id}\` or write down what people found`,
    );
  const lag = f.window.alertAtMs - f.window.fromMs;
  if (f.window.onsetService && lag >= DETECTION_LAG_MS)
    out.push(
      `Alert sooner: the first alert fired ${span(lag)} after ${f.window.onsetService} went over its objectives ` +
        '(e.g. page on the error-budget burn rate)',
    );
  const handled = f.incident.ackedBy || (f.incident.resolvedAtMs !== null && f.incident.resolvedBy) || f.actions.length;
  if (!handled) out.push('Nobody acknowledged or acted on the incident in SmartCloudOps: check who was paged and how');
  const unknown = f.impact.filter((s) => !s.burn).map((s) => s.service);
  if (!f.impact.length || unknown.length)
    out.push(
      `Make the impact measurable: error-ratio metrics for ${unknown.length ? unknown.join(', ') : 'the service'} ` +
        'in the metrics source',
    );
  if (f.window.ongoing) out.push('The incident is still open: finish mitigating it, then draft this postmortem again');
  return out;
}
