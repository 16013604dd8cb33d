import type { IncidentView } from '../../../src/present/dashboard-view';
import { fullTime, shortTime } from '../format';

function Incident({ incident }: { incident: IncidentView }) {
  const id = `incident-${incident.id}`;
  return (
    <article class="card incident" aria-labelledby={id}>
      <header class="card-head">
        <h3 id={id}>
          <span class="mono">{incident.id}</span> {incident.title}
        </h3>
        <span class={incident.status === 'open' ? 'badge bad' : 'badge warn'}>{incident.status}</span>
      </header>
      <p class="meta">
        {incident.service ?? 'no service'} · {incident.severity ?? 'no severity'} · {incident.firing} of{' '}
        {incident.alerts} alerts firing · since{' '}
        <time dateTime={incident.createdAt}>{fullTime(incident.createdAt)}</time>
      </p>
      <ol class="timeline" aria-label={`timeline of ${incident.id}`}>
        {incident.timeline.map((t, i) => (
          <li key={`${t.at}-${i}`}>
            <time dateTime={t.at} title={fullTime(t.at)}>
              {shortTime(t.at)}
            </time>{' '}
            {t.event}
            {t.by ? ` by ${t.by}` : ''}
          </li>
        ))}
      </ol>
    </article>
  );
}

export function Incidents({ incidents }: { incidents: IncidentView[] | undefined }) {
  return (
    <section aria-labelledby="incidents-title">
      <h2 id="incidents-title">Open incidents</h2>
      {!incidents && <p class="muted">Reading incidents…</p>}
      {incidents?.length === 0 && <p class="muted">No open incidents.</p>}
      <div class="list">
        {incidents?.map((i) => (
          <Incident key={i.id} incident={i} />
        ))}
      </div>
    </section>
  );
}
