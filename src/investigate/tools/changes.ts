/** `changes`: deploys, config changes, OOM kills, restarts, scaling and remediations in a window. */
import { z } from 'zod';
import { isCombined } from '../../changes/combined';
import type { ChangeSource } from '../../changes/types';
import type { Tool } from '../types';
import { iso, minutes, serviceName, trimText, until, windowOf } from './common';

/** A day at most; at most 50 events. */
export const CHANGES_MAX_MINUTES = 24 * 60;
export const CHANGES_MAX_EVENTS = 50;
const DETAIL_MAX = 200;

const input = z.strictObject({
  service: serviceName.optional().describe('One service (absent: every service)'),
  minutes: minutes(120, CHANGES_MAX_MINUTES),
  until,
  limit: z
    .number()
    .int()
    .min(1)
    .max(CHANGES_MAX_EVENTS)
    .default(30)
    .describe(`At most this many events, newest first (1..${CHANGES_MAX_EVENTS}, default 30)`),
});

export function changesTool(changes: ChangeSource): Tool<typeof input> {
  return {
    name: 'changes',
    description:
      'Changes and events in a window, newest first: deploys, config changes, rollbacks, scaling, restarts, ' +
      'OOM kills and the remediations the bot ran, from every configured change source.',
    input,
    permission: 'read',
    async run(args, ctx) {
      const { fromMs, toMs } = windowOf(args, ctx.now);
      const query = { fromMs, toMs, limit: args.limit, ...(args.service ? { service: args.service } : {}) };
      const { events, problems } = isCombined(changes)
        ? await changes.report(query)
        : { events: await changes.events(query), problems: [] };
      const shown = events.slice(0, args.limit).map((e) => ({
        at: e.atMs,
        service: e.service,
        kind: e.kind,
        source: e.source,
        summary: trimText(e.summary),
        ...(e.detail
          ? {
              detail: Object.fromEntries(
                Object.entries(e.detail)
                  .slice(0, 12)
                  .map(([k, v]) => [k, typeof v === 'string' ? trimText(v, DETAIL_MAX) : v]),
              ),
            }
          : {}),
      }));
      const counts = new Map<string, number>();
      for (const e of shown) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
      const summary =
        `${args.service ?? 'all services'} ${iso(fromMs)}..${iso(toMs)}: ` +
        (shown.length ? [...counts].map(([k, n]) => `${n} ${k}`).join(', ') : 'no changes') +
        (problems.length ? `; unavailable: ${problems.map((p) => p.source).join(', ')}` : '');
      return {
        data: {
          from: fromMs,
          to: toMs,
          events: shown,
          problems: problems.map((p) => ({ source: p.source, message: trimText(p.message) })),
        },
        summary,
      };
    },
  };
}
