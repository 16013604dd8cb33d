/**
 * Tracing of the queue port, for both backends in one place: `add` runs in a PRODUCER span
 * `enqueue <name>` and puts its W3C trace context (`traceparent`, `tracestate`) in the job's meta;
 * each run is a CONSUMER span `job <name>` whose parent is that context, in whichever process (a
 * `worker` on another machine included) takes the job. With tracing off the meta gets nothing.
 */
import { contextFrom, inSpan, SpanKind, traceCarrier } from '../telemetry/spans';
import type { JobDefs, JobQueue, Processor, Processors } from './types';

function tracedProcessor<M extends JobDefs>(
  backend: string,
  name: string,
  processor: Processor<M, keyof M & string>,
): Processor<M, keyof M & string> {
  return (job) =>
    inSpan(
      `job ${name}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom({ traceparent: job.meta.traceparent, tracestate: job.meta.tracestate }),
        attributes: {
          'messaging.system': backend,
          'messaging.operation.type': 'process',
          'messaging.message.id': job.id,
          'job.name': name,
          'job.attempt': job.attempt,
        },
      },
      () => processor(job),
    );
}

/** The queue, with its enqueues and runs traced (see above); everything else as it is. */
export function tracedQueue<M extends JobDefs>(queue: JobQueue<M>): JobQueue<M> {
  return {
    ...queue,
    add: (name, data, options = {}) =>
      inSpan(
        `enqueue ${name}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: { 'messaging.system': queue.backend, 'messaging.operation.type': 'send', 'job.name': name },
        },
        async (span) => {
          const job = await queue.add(name, data, { ...options, meta: { ...options.meta, ...traceCarrier() } });
          span.setAttribute('messaging.message.id', job.id);
          return job;
        },
      ),
    work: (processors, options) => {
      const traced = Object.fromEntries(
        Object.entries(processors).map(([name, p]) => [
          name,
          p && tracedProcessor<M>(queue.backend, name, p as Processor<M, keyof M & string>),
        ]),
      ) as Processors<M>;
      return queue.work(traced, options);
    },
  };
}
