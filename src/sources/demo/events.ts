import { LEAK_CLIMB_MS, type DemoFault } from './faults';
import { hashOf } from './noise';

/**
 * What the faults leave behind, as a real system would: a deploy at a bad_deploy's (or a harmless
 * deploy's) start, a config
 * change at a config_change's start, an OOM kill and a restart at each reset of a memory leak's
 * sawtooth. A pure function of the faults, the seed and the restarts applied (which end a climb).
 * The remediations the bot ran are recorded by the remediation store, not here.
 */
export const DEMO_EVENT_KINDS = ['deploy', 'config_change', 'oom_kill', 'restart'] as const;
export type DemoEventKind = (typeof DEMO_EVENT_KINDS)[number];

export interface DemoEvent {
  atMs: number;
  service: string;
  kind: DemoEventKind;
  /** One line, e.g. "deployed payments v2.19.0 (was v2.18.3)". */
  detail: string;
}

const CONFIG_CHANGES = [
  'connection pool size 50 -> 5',
  'upstream timeout 2s -> 200ms',
  'retry budget 3 -> 0',
  'feature flag strict-validation on',
  'rate limit 1000/s -> 100/s',
];

function startEvent(f: DemoFault, seedKey: number): DemoEvent | undefined {
  const h = hashOf(seedKey, 'event', f.index, f.service);
  if (f.kind === 'bad_deploy' || f.kind === 'deploy') {
    const major = 1 + (h % 3);
    const minor = 10 + ((h >>> 2) % 40);
    const patch = (h >>> 8) % 6;
    const detail = `deployed ${f.service} v${major}.${minor + 1}.0 (was v${major}.${minor}.${patch})`;
    return { atMs: f.startMs, service: f.service, kind: 'deploy', detail };
  }
  if (f.kind === 'config_change') {
    const change = CONFIG_CHANGES[h % CONFIG_CHANGES.length];
    return {
      atMs: f.startMs,
      service: f.service,
      kind: 'config_change',
      detail: `changed ${f.service}'s config: ${change}`,
    };
  }
  return undefined;
}

/** A leak's OOM kills (each followed by the container's restart) in [fromMs, toMs]. */
function leakEvents(f: DemoFault, restarts: readonly number[], fromMs: number, toMs: number): DemoEvent[] {
  const events: DemoEvent[] = [];
  const last = Math.min(toMs, f.endMs - 1);
  // Each restart applied during the leak starts a new climb; OOM kills follow every LEAK_CLIMB_MS after it.
  const anchors = [f.startMs, ...restarts.filter((r) => r > f.startMs && r < f.endMs)];
  for (let i = 0; i < anchors.length; i += 1) {
    const anchor = anchors[i];
    const next = Math.min(anchors[i + 1] ?? Infinity, f.endMs);
    if (anchor > last || next < fromMs) continue;
    let k = Math.max(1, Math.ceil((fromMs - anchor) / LEAK_CLIMB_MS));
    for (let at = anchor + k * LEAK_CLIMB_MS; at < next && at <= last; k += 1, at = anchor + k * LEAK_CLIMB_MS) {
      events.push(
        {
          atMs: at,
          service: f.service,
          kind: 'oom_kill',
          detail: `${f.service}: container OOMKilled at its memory limit`,
        },
        {
          atMs: at,
          service: f.service,
          kind: 'restart',
          detail: `${f.service}: container restarted after the OOM kill`,
        },
      );
    }
  }
  return events;
}

/** The events of the faults in [fromMs, toMs], oldest first; `restartsOf` gives a service's restart actions. */
export function faultEvents(
  faults: readonly DemoFault[],
  seedKey: number,
  restartsOf: (service: string) => readonly number[],
  range: { fromMs: number; toMs: number; service?: string },
): DemoEvent[] {
  const { fromMs, toMs, service } = range;
  const events: DemoEvent[] = [];
  for (const f of faults) {
    if (service !== undefined && f.service !== service) continue;
    const start = startEvent(f, seedKey);
    if (start !== undefined && start.atMs >= fromMs && start.atMs <= toMs) events.push(start);
    if (f.kind === 'memory_leak') events.push(...leakEvents(f, restartsOf(f.service), fromMs, toMs));
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}
