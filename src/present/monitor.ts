/** A monitor scan's job read on its own (`job monitor-…`): what each service's signals showed at the slot. */
import type { MonitorScanJobResult } from '../jobs/map';
import { context, reply, table, text, type Reply } from '../reply/model';

const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export function presentMonitorScan(r: MonitorScanJobResult): Reply {
  const rows = r.services.flatMap((s) => s.findings.map((f) => [s.service, f.signal, f.state, f.summary]));
  const firing = new Set(r.services.filter((s) => s.findings.some((f) => f.state === 'firing')).map((s) => s.service));
  const head =
    `Monitor scan at ${at(r.atMs)} UTC: ${r.services.length} service(s), ` +
    (firing.size ? `a problem on ${[...firing].join(', ')}.` : 'no problem.');
  const missing = r.services.flatMap((s) => (s.missing ?? []).map((m) => `${s.service} ${m}`));
  return reply(
    firing.size ? 'warning' : 'success',
    text(head),
    ...(rows.length ? [table(['service', 'signal', 'state', 'what'], rows)] : []),
    context(
      `${r.pointsScored} point(s) scored in ${r.durationMs} ms` +
        (missing.length ? ` · no data: ${missing.join(', ')}` : ''),
    ),
  );
}
