import type { FleetView, ServiceView } from '../../../src/present/dashboard-view';
import { burnText, formatValue, fullTime } from '../format';
import { Sparkline } from './sparkline';

function Service({ service }: { service: ServiceView }) {
  const id = `service-${service.name}`;
  return (
    <article class={service.healthy ? 'card' : 'card bad'} aria-labelledby={id}>
      <header class="card-head">
        <h3 id={id}>{service.name}</h3>
        <span class={service.healthy ? 'badge ok' : 'badge bad'}>{service.healthy ? 'Healthy' : 'Unhealthy'}</span>
      </header>
      {service.problems.length > 0 && (
        <ul class="problems" aria-label={`${service.name} problems`}>
          {service.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <dl class="signals">
        {service.signals.map((s) => (
          <div class="signal" key={s.signal}>
            <dt>{s.label}</dt>
            <dd>
              <span class="figure">{formatValue(s.now, s.unit)}</span>
              <Sparkline signal={s} />
            </dd>
          </div>
        ))}
      </dl>
      {service.burn.length > 0 && (
        <table class="burn">
          <caption>
            Error-budget burn rate
            {service.sloTarget !== null && ` (objective ${(service.sloTarget * 100).toFixed(2)}%)`}
          </caption>
          <thead>
            <tr>
              {service.burn.map((b) => (
                <th scope="col" key={b.window}>
                  {b.window}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              {service.burn.map((b) => (
                <td key={b.window} class={b.rate !== null && b.rate > 1 ? 'hot' : ''}>
                  {burnText(b.rate)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      )}
      {service.firing.length > 0 && (
        <p class="firing">Burning: {service.firing.map((f) => `${f.severity} (${f.rule})`).join(', ')}</p>
      )}
    </article>
  );
}

export function Fleet({ fleet }: { fleet: FleetView | undefined }) {
  const unhealthy = fleet?.services.filter((s) => !s.healthy).length ?? 0;
  return (
    <section aria-labelledby="fleet-title">
      <h2 id="fleet-title">Fleet</h2>
      {!fleet && <p class="muted">Reading the fleet…</p>}
      {fleet?.error && (
        <p class="warning" role="alert">
          {fleet.error}
        </p>
      )}
      {fleet && (
        <p class="muted">
          {fleet.services.length} services, {unhealthy} unhealthy · as of {fullTime(fleet.at)}
        </p>
      )}
      <div class="grid">
        {fleet?.services.map((s) => (
          <Service key={s.name} service={s} />
        ))}
      </div>
    </section>
  );
}
