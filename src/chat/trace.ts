/**
 * The spans of one chat message (with tracing off, all no-ops): `chat.message` from the adapter's
 * hand-over until the last reply it owes is posted (the finished job's result included), with
 * `intent.parse`, `command <intent>` (and under it `enqueue <job>`, then `job <job>` in whatever
 * process runs it) and a `chat.post` / `chat.update` span per reply sent to the platform.
 */
import { context, trace } from '@opentelemetry/api';
import type { IncomingMessage, ReplySink } from '../ports/chat';
import { inSpan, markFailed, SpanKind, tracer, type Span } from '../telemetry/spans';

/** What the message span is told once the message is handled. */
export interface MessageEnd {
  intent: string;
  outcome: string;
  job?: { id: string; name: string };
  /** Settles when the message owes nothing more (its job's result posted): the span ends then. */
  done: Promise<void>;
}

/** Run the handling of `msg` in its `chat.message` span, which ends when `done` settles. */
export async function traceMessage<T extends MessageEnd>(msg: IncomingMessage, work: () => Promise<T>): Promise<T> {
  const span = tracer().startSpan('chat.message', {
    kind: SpanKind.CONSUMER,
    attributes: { 'chat.platform': msg.platform, 'chat.channel': msg.channel },
  });
  let handled: T;
  try {
    handled = await context.with(trace.setSpan(context.active(), span), work);
  } catch (err) {
    markFailed(span, err);
    span.end();
    throw err;
  }
  span.setAttributes({
    'chat.intent': handled.intent,
    'chat.outcome': handled.outcome,
    ...(handled.job ? { 'job.id': handled.job.id, 'job.name': handled.job.name } : {}),
  });
  const end = () => span.end();
  handled.done.then(end, end);
  return handled;
}

/** The command an understood intent runs, with what came of it. */
export function traceCommand<T extends { outcome: string; job?: { id: string; name: string } }>(
  intent: string,
  work: () => Promise<T>,
): Promise<T> {
  return inSpan(`command ${intent}`, { attributes: { 'chat.intent': intent } }, async (span: Span) => {
    const result = await work();
    span.setAttribute('chat.outcome', result.outcome);
    if (result.job) span.setAttributes({ 'job.id': result.job.id, 'job.name': result.job.name });
    return result;
  });
}

/** The sink, each post and update a CLIENT span to the platform (`chat.post`, `chat.update`). */
export function tracedSink(sink: ReplySink, platform: string): ReplySink {
  const attributes = { 'chat.platform': platform };
  return {
    post: (r) =>
      inSpan('chat.post', { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const ref = await sink.post(r);
        span.setAttribute('chat.message.id', ref.id);
        return ref;
      }),
    update: (ref, r) =>
      inSpan('chat.update', { kind: SpanKind.CLIENT, attributes: { ...attributes, 'chat.message.id': ref.id } }, () =>
        sink.update(ref, r),
      ),
    ...(sink.steps ? { steps: sink.steps.bind(sink) } : {}),
  };
}
