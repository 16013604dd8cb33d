import { presentMonitorScan } from './monitor';
import { presentDriftCheck } from './drift';
import type { NameOf } from '../identity/names';
import type { Jobs } from '../jobs/map';
import { FINISHED_STATES, type JobInfo } from '../queue/types';
import { buttons, context, fields, header, reply, table, text, type Reply } from '../reply/model';
import type { ModelVersion } from '../models/registry-types';
import { presentAnomalies } from './anomalies';
import { ago, duration } from './format';
import { presentOutcome } from './remediation';
import { presentTrained } from './models';
import { presentStatus } from './status';
import { presentInvestigation } from './investigation';

/** The recent jobs as a table (`jobs`), or a hint when there are none yet. */
export function presentJobList(jobs: JobInfo<Jobs>[], nowMs: number, names: NameOf): Reply {
  if (jobs.length === 0) return reply('info', text('No jobs yet. Try `status`.'));
  return reply(
    'info',
    header(`Last ${jobs.length} jobs`),
    table(
      ['id', 'job', 'state', 'progress', 'started', 'by'],
      jobs.map((j) => [
        j.id,
        j.name,
        j.state,
        progressCell(j),
        ago(j.startedAt ?? j.createdAt, nowMs),
        j.meta.requestedBy ? names(j.meta.requestedBy) : '',
      ]),
    ),
  );
}

/** A finished job shows 100% (completed) or nothing, never the last percentage it reported. */
function progressCell(j: JobInfo<Jobs>): string {
  if (j.state === 'completed') return '100%';
  return j.progress && !FINISHED_STATES.includes(j.state) ? `${Math.round(j.progress.percent)}%` : '';
}

/** One job's card (`job ID`): its state, attempts, progress, timing and who asked; Cancel while it may run. */
export function presentJob(job: JobInfo<Jobs>, nowMs: number, names: NameOf): Reply {
  const rows = [
    { label: 'job', value: job.name },
    { label: 'state', value: job.state },
    { label: 'attempts', value: `${job.attemptsMade} of ${job.maxAttempts}` },
    { label: 'created', value: ago(job.createdAt, nowMs) },
  ];
  if (job.progress && !FINISHED_STATES.includes(job.state))
    rows.push({
      label: 'progress',
      value: `${Math.round(job.progress.percent)}%${job.progress.message ? ` ${job.progress.message}` : ''}`,
    });
  if (job.startedAt && job.finishedAt) rows.push({ label: 'took', value: duration(job.finishedAt - job.startedAt) });
  if (job.worker) rows.push({ label: 'worker', value: job.worker });
  if (job.error) rows.push({ label: 'error', value: job.error });
  if (job.meta.requestedBy) rows.push({ label: 'requested by', value: names(job.meta.requestedBy) });
  const active = job.state === 'waiting' || job.state === 'delayed' || job.state === 'active';
  return reply(
    'info',
    header(`Job ${job.id}`),
    fields(rows),
    ...(active ? [buttons([{ label: 'Cancel', command: `cancel ${job.id}`, style: 'danger' }])] : []),
  );
}

/**
 * The message for a finished job: its result presented, or why it did not finish. A train_model
 * job's reply shows the version the control plane registered from it, when given. An anomalies
 * reply that flags something carries feedback buttons about the job (`job:<id>`), unless
 * `feedback` is false (an incident's analysis asks about the incident instead).
 */
export function presentFinished(
  job: JobInfo<Jobs>,
  registered?: { version: ModelVersion },
  options: { feedback?: boolean } = {},
): Reply {
  if (job.state === 'cancelled') return reply('warning', text(`Job ${job.id} (${job.name}) was cancelled.`));
  if (job.state === 'failed')
    return reply(
      'error',
      text(`Job ${job.id} (${job.name}) failed: ${job.error ?? 'unknown error'}`),
      context(`after ${job.attemptsMade} attempt(s)`),
    );
  if (job.state !== 'completed' || job.result === undefined)
    return reply('info', text(`Job ${job.id} is ${job.state}.`));
  switch (job.name) {
    case 'status':
      return presentStatus(job.result as Jobs['status']['result']);
    case 'detect_anomalies':
      return presentAnomalies(
        job.result as Jobs['detect_anomalies']['result'],
        options.feedback === false ? undefined : `job:${job.id}`,
      );
    case 'remediation':
      return presentOutcome(job.result as Jobs['remediation']['result']);
    case 'train_model':
      return presentTrained(job.result as Jobs['train_model']['result'], registered?.version);
    case 'drift_check':
      return presentDriftCheck(job.result as Jobs['drift_check']['result']);
    case 'investigate':
      return presentInvestigation(job.result as Jobs['investigate']['result']);
    case 'monitor_scan':
      return presentMonitorScan(job.result as Jobs['monitor_scan']['result']);
  }
}
