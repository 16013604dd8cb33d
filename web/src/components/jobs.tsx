import type { JobView } from '../../../src/present/dashboard-view';
import { fullTime } from '../format';

function Job({ job }: { job: JobView }) {
  const id = `job-${job.id}`;
  const running = job.steps.filter((s) => s.status === 'running').map((s) => s.label);
  return (
    <li class="job" aria-labelledby={id}>
      <div class="job-head">
        <span id={id}>
          <strong>{job.name}</strong> <span class="mono">{job.id}</span>
        </span>
        <span class="badge">{job.state}</span>
      </div>
      {(job.percent !== null || job.state === 'active') && (
        <progress max={100} value={job.percent ?? undefined} aria-label={`${job.name} ${job.id} progress`} />
      )}
      <p class="meta">
        {job.percent !== null && `${job.percent}% · `}
        {job.message ?? (running.length ? running.join(', ') : 'waiting')}
        {job.requestedBy && ` · by ${job.requestedBy}`} · queued {fullTime(job.createdAt)}
      </p>
    </li>
  );
}

export function Jobs({ jobs }: { jobs: JobView[] | undefined }) {
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Running jobs</h2>
      {!jobs && <p class="muted">Reading jobs…</p>}
      {jobs?.length === 0 && <p class="muted">No jobs running.</p>}
      <ul class="jobs">
        {jobs?.map((j) => (
          <Job key={j.id} job={j} />
        ))}
      </ul>
    </section>
  );
}
