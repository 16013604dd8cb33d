import type { StatusJobResult } from '../jobs/map';
import { context, fields, header, reply, series, table, text, type Reply } from '../reply/model';
import { ms, percent, rate, windowWords } from './format';

/** The reply for a finished status check: one service's card, or a table of every service. */
export function presentStatus(result: StatusJobResult): Reply {
  const unhealthy = result.services.filter((s) => !s.healthy);
  const when = new Date(result.atMs).toISOString().slice(0, 16).replace('T', ' ');
  if (result.services.length === 1) {
    const s = result.services[0];
    return reply(
      s.healthy ? 'success' : 'warning',
      header(`${s.name}: ${s.healthy ? 'healthy' : 'unhealthy'}`),
      ...(s.problems.length ? [text(s.problems.join('; '))] : []),
      fields([
        { label: 'p50 latency', value: ms(s.latest.latency_p50) },
        { label: 'p99 latency', value: ms(s.latest.latency_p99) },
        { label: 'error rate', value: percent(s.latest.error_rate) },
        { label: 'traffic', value: rate(s.latest.request_rate) },
        { label: 'CPU', value: percent(s.latest.cpu) },
        { label: 'memory', value: percent(s.latest.memory) },
        ...(s.slo
          ? [
              {
                label: 'error budget',
                value: `burn ${burn(s.slo.burn1h)} (1h), ${burn(s.slo.burn6h)} (6h) of a ${percent(s.slo.target)} SLO`,
              },
            ]
          : []),
      ]),
      series(`${s.trend.signal} (${windowWords(result.windowS)})`, s.trend.values),
      context(`as of ${when} UTC, means over the last 5 minutes`),
    );
  }
  return reply(
    unhealthy.length ? 'warning' : 'success',
    header(
      unhealthy.length
        ? `${unhealthy.length} of ${result.services.length} services unhealthy`
        : `All ${result.services.length} services healthy`,
    ),
    table(
      ['service', 'health', 'p99', 'errors', 'traffic', 'cpu', 'memory', 'burn 1h'],
      result.services.map((s) => [
        s.name,
        s.healthy ? 'ok' : 'UNHEALTHY',
        ms(s.latest.latency_p99),
        percent(s.latest.error_rate),
        rate(s.latest.request_rate),
        percent(s.latest.cpu),
        percent(s.latest.memory),
        s.slo ? burn(s.slo.burn1h) : '–',
      ]),
    ),
    ...unhealthy.map((s) => series(`${s.name}: ${s.problems.join('; ')}`, s.trend.values)),
    context(`as of ${when} UTC over ${windowWords(result.windowS)}`),
  );
}

function burn(rate: number): string {
  return Number.isFinite(rate) ? `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}x` : '–';
}
