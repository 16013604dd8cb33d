import type { ModelView } from '../../../src/present/dashboard-view';
import { fullTime } from '../format';

function drift(m: ModelView): string {
  if (!m.drift) return m.champion === null ? '–' : 'not checked yet';
  const what = m.drift.drifted ? `drifting (${m.drift.moved.join(', ') || 'scores'})` : 'stable';
  return `${what}, PSI ${m.drift.score.toFixed(2)} at ${fullTime(m.drift.at)}`;
}

export function Models({ models }: { models: ModelView[] | undefined }) {
  return (
    <section aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      {!models && <p class="muted">Reading models…</p>}
      {models?.length === 0 && <p class="muted">No models trained yet.</p>}
      {models && models.length > 0 && (
        <div class="scroll">
          <table class="models">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Service</th>
                <th scope="col">Champion</th>
                <th scope="col">Challenger</th>
                <th scope="col">Drift</th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr key={m.name} class={m.drift?.drifted ? 'hot' : ''}>
                  <th scope="row">{m.name}</th>
                  <td>{m.service}</td>
                  <td>{m.champion === null ? 'none' : `v${m.champion}`}</td>
                  <td>{m.challenger === null ? 'none' : `v${m.challenger}`}</td>
                  <td>{drift(m)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
