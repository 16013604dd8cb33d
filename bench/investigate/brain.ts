/**
 * A scripted "brain" for the fake OpenAI server in `eval:investigate --llm`: a small fixed policy
 * standing in for a model, so the agent's plumbing (tool calls, their results, the answer, budget,
 * checks) runs on every scenario. It reads only the chat-completion request the agent sent (the
 * user message and the tool results in it), never the scenario: it asks for the dependency graph,
 * then each in-scope service's anomalies and the changes, then the signals of a load-shaped
 * suspect, and answers. It is not a model, and its figures say nothing about one.
 */
import type { FakeReply, FakeToolCall, RecordedRequest } from '../../tests/helpers/fake-openai';

interface Msg {
  role: string;
  content: unknown;
}

interface Seen {
  tool: string;
  data: Record<string, unknown>;
}

interface Question {
  focus?: string;
  minutes: number;
  until: string;
}

interface Symptom {
  signal: string;
  onset: number;
  ratio: number;
  minutes: number;
}

interface Candidate {
  service: string;
  kind: string;
  confidence: number;
  onset: number;
  spreadingOnset?: number;
  spreadingOnly: boolean;
  evidence: Array<{ tool: string; claim: string }>;
}

const MINUTE = 60_000;
const SPREADING = ['latency_p50', 'latency_p99', 'error_rate'];
const SYMPTOM_RATIO = 1.2;
const CHANGE_LEAD = 30 * MINUTE;
const FOLLOW = 10 * MINUTE;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (c: unknown) =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (isRecord(p) ? String(p.text ?? '') : '')).join('') : '';
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function questionOf(messages: Msg[]): { q: Question; known: string[] } {
  const user = text(messages.find((m) => m.role === 'user')?.content);
  const focus =
    /Investigate the service ([A-Za-z0-9._-]+):/.exec(user)?.[1] ?? / on ([A-Za-z0-9._-]+), opened/.exec(user)?.[1];
  const minutes = Number(/minutes=(\d+)/.exec(user)?.[1] ?? 120);
  const until = /until="([^"]+)"/.exec(user)?.[1] ?? new Date().toISOString();
  const known = (/Known services: ([^\n]*)\./.exec(user)?.[1] ?? '').split(', ').filter(Boolean);
  return { q: { ...(focus ? { focus } : {}), minutes, until }, known };
}

function seenOf(messages: Msg[]): Seen[] {
  const out: Seen[] = [];
  for (const m of messages.filter((x) => x.role === 'tool')) {
    try {
      const body: unknown = JSON.parse(text(m.content));
      if (isRecord(body) && typeof body.tool === 'string' && isRecord(body.data))
        out.push({ tool: body.tool, data: body.data });
    } catch {
      // A result cut mid-way is no evidence.
    }
  }
  return out;
}

function graphOf(seen: Seen[]): Map<string, string[]> | undefined {
  const g = seen.find((s) => s.tool === 'dependency_graph' && Array.isArray(s.data.services));
  if (!g) return undefined;
  const rows = (g.data.services as unknown[]).filter(isRecord);
  return new Map(rows.map((r) => [String(r.service), Array.isArray(r.callees) ? r.callees.map(String) : []]));
}

function calleesOf(name: string, graph: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length)
    for (const c of graph.get(stack.pop() as string) ?? [])
      if (!out.has(c) && graph.has(c)) {
        out.add(c);
        stack.push(c);
      }
  return out;
}

function symptomsOf(data: Record<string, unknown>): Symptom[] {
  const out: Symptom[] = [];
  for (const sig of (Array.isArray(data.signals) ? data.signals : []).filter(isRecord)) {
    const above = (Array.isArray(sig.segments) ? sig.segments : [])
      .filter(isRecord)
      .filter((s) => s.direction === 'above' && typeof s.start === 'number');
    if (!above.length) continue;
    const ratio = Math.max(...above.map((s) => Number(s.peak) / Math.max(1e-9, Number(s.expected_high))));
    const minutes = above.reduce((n, s) => n + (Number(s.end) - Number(s.start)) / MINUTE, 0);
    const symptom = {
      signal: String(sig.signal),
      onset: Math.min(...above.map((s) => Number(s.start))),
      ratio,
      minutes,
    };
    if (symptom.signal === 'memory' ? minutes >= 10 : ratio >= SYMPTOM_RATIO) out.push(symptom);
  }
  return out;
}

interface ChangeRow {
  at: number;
  service: string;
  kind: string;
  summary: string;
}

function changesOf(seen: Seen[]): ChangeRow[] | undefined {
  const c = seen.find((s) => s.tool === 'changes' && Array.isArray(s.data.events));
  return c ? (c.data.events as unknown[]).filter(isRecord).map((e) => e as unknown as ChangeRow) : undefined;
}

const claimOf = (service: string, s: Symptom) =>
  `${service} ${s.signal} above its band since ${hhmm(s.onset)} (${s.ratio.toFixed(1)}x its upper edge)`;

/** One service's best explanation from its own symptoms and changes. */
function classify(service: string, symptoms: Symptom[], changes: ChangeRow[]): Candidate | undefined {
  if (!symptoms.length) return undefined;
  const by = new Map(symptoms.map((s) => [s.signal, s]));
  const spreading = symptoms.filter((s) => SPREADING.includes(s.signal)).sort((a, b) => a.onset - b.onset);
  const base = {
    service,
    onset: Math.min(...symptoms.map((s) => s.onset)),
    ...(spreading.length ? { spreadingOnset: spreading[0].onset } : {}),
  };
  const own = changes.filter((c) => c.service === service);
  const options: Candidate[] = [];
  const cause = own
    .filter((c) => c.kind === 'deploy' || c.kind === 'config_change')
    .filter((c) => spreading.some((s) => s.onset >= c.at - 2 * MINUTE && s.onset <= c.at + CHANGE_LEAD))
    .sort((a, b) => b.at - a.at)[0];
  if (cause)
    options.push({
      ...base,
      kind: cause.kind === 'deploy' ? 'bad_deploy' : 'config_change',
      confidence: 0.9,
      spreadingOnly: true,
      evidence: [
        { tool: 'changes', claim: `${cause.kind} at ${hhmm(cause.at)}: ${cause.summary}` },
        ...spreading.map((s) => ({ tool: 'service_anomalies', claim: claimOf(service, s) })),
      ],
    });
  const ooms = own.filter((c) => c.kind === 'oom_kill');
  const memory = by.get('memory');
  if (ooms.length || memory)
    options.push({
      ...base,
      kind: 'memory_leak',
      confidence: ooms.length && memory ? 0.95 : ooms.length ? 0.85 : 0.75,
      spreadingOnly: false,
      evidence: [
        ...(memory ? [{ tool: 'service_anomalies', claim: claimOf(service, memory) }] : []),
        ...(ooms.length ? [{ tool: 'changes', claim: `${ooms.length} OOM kill(s) of ${service}` }] : []),
      ],
    });
  const rate = by.get('request_rate');
  const cpu = by.get('cpu');
  if (rate && rate.ratio >= 1.5)
    options.push({ ...base, kind: 'traffic_surge', confidence: 0.85, spreadingOnly: false, evidence: [] });
  else if (cpu) options.push({ ...base, kind: 'cpu_saturation', confidence: 0.8, spreadingOnly: false, evidence: [] });
  for (const o of options.filter((x) => x.kind === 'traffic_surge' || x.kind === 'cpu_saturation'))
    o.evidence = [rate, cpu]
      .filter((s): s is Symptom => !!s)
      .map((s) => ({ tool: 'service_anomalies', claim: claimOf(service, s) }));
  if (!options.length)
    options.push({
      ...base,
      kind: 'other',
      confidence: 0.35,
      spreadingOnly: symptoms.every((s) => SPREADING.includes(s.signal)),
      evidence: symptoms.map((s) => ({ tool: 'service_anomalies', claim: claimOf(service, s) })),
    });
  return options.reduce((a, b) => (b.confidence > a.confidence ? b : a));
}

/** Candidates in scope, best first; a caller whose slow calls a callee explains is the spread. */
function rank(scope: string[], graph: Map<string, string[]>, seen: Seen[], changes: ChangeRow[]): Candidate[] {
  const found = new Map<string, Candidate>();
  for (const s of seen.filter((x) => x.tool === 'service_anomalies')) {
    const service = String(s.data.service);
    const c = scope.includes(service) ? classify(service, symptomsOf(s.data), changes) : undefined;
    if (c) found.set(service, c);
  }
  // A change on a callee just before a caller's symptoms, when the callee shows none yet.
  for (const c of [...found.values()].filter((x) => x.kind === 'other' && x.spreadingOnset !== undefined)) {
    const change = changes
      .filter((e) => (e.kind === 'deploy' || e.kind === 'config_change') && calleesOf(c.service, graph).has(e.service))
      .filter(
        (e) =>
          !found.has(e.service) &&
          e.at <= (c.spreadingOnset as number) &&
          e.at >= (c.spreadingOnset as number) - CHANGE_LEAD,
      )
      .sort((a, b) => b.at - a.at)[0];
    if (change)
      found.set(change.service, {
        service: change.service,
        kind: change.kind === 'deploy' ? 'bad_deploy' : 'config_change',
        confidence: 0.7,
        onset: change.at,
        spreadingOnset: change.at,
        spreadingOnly: false,
        evidence: [
          { tool: 'changes', claim: `${change.kind} at ${hhmm(change.at)}: ${change.summary}` },
          {
            tool: 'dependency_graph',
            claim: `${c.service} calls ${change.service}; its symptoms began after the change`,
          },
        ],
      });
  }
  const out = [...found.values()].map((c) => {
    if (!c.spreadingOnly || c.spreadingOnset === undefined) return c;
    const first = [...calleesOf(c.service, graph)]
      .map((n) => found.get(n))
      .find((d) => d?.spreadingOnset !== undefined && d.spreadingOnset <= (c.spreadingOnset as number) + FOLLOW);
    if (!first) return c;
    const claim = `${c.service} calls ${first.service}, whose symptoms began first: the spread`;
    return { ...c, confidence: c.confidence * 0.5, evidence: [...c.evidence, { tool: 'dependency_graph', claim }] };
  });
  return out.sort((a, b) => b.confidence - a.confidence || a.onset - b.onset);
}

const call = (name: string, args: Record<string, unknown>): FakeToolCall => ({ name, arguments: args });

function answer(candidates: Candidate[]): FakeReply {
  const top = candidates[0];
  const verdict = top && top.confidence >= 0.5 ? 'root_cause' : 'inconclusive';
  const hypotheses = candidates.slice(0, 3).map((c) => ({
    service: c.service,
    kind: c.kind,
    confidence: Math.round(c.confidence * 100) / 100,
    evidence: c.evidence.slice(0, 6),
  }));
  return {
    toolCall: call('final_answer', {
      verdict,
      ...(verdict === 'root_cause'
        ? {
            root_cause: {
              service: top.service,
              kind: top.kind,
              confidence: hypotheses[0].confidence,
              summary: `${top.kind} on ${top.service}.`,
            },
          }
        : {}),
      hypotheses,
    }),
  };
}

/** Surge or saturation, from the request rate's rise in service_signals; cited. */
function loadShape(c: Candidate, data: Record<string, unknown>): void {
  const signals = isRecord(data.signals) ? data.signals : {};
  const range = (name: string) => {
    const s = signals[name];
    return isRecord(s) && typeof s.min === 'number' && typeof s.max === 'number'
      ? { min: s.min, max: s.max }
      : undefined;
  };
  const rate = range('request_rate');
  const cpu = range('cpu');
  if (rate && rate.min > 0) c.kind = rate.max / rate.min >= 2 ? 'traffic_surge' : 'cpu_saturation';
  if (rate)
    c.evidence.push({ tool: 'service_signals', claim: `${c.service} request rate ${rate.min} -> ${rate.max} req/s` });
  if (cpu) c.evidence.push({ tool: 'service_signals', claim: `${c.service} CPU ${cpu.min} -> ${cpu.max}` });
}

/** The next reply to the agent's request. */
export function brainReply(request: RecordedRequest): FakeReply {
  const messages = (request.body as { messages: Msg[] }).messages;
  const { q, known } = questionOf(messages);
  const seen = seenOf(messages);
  const window = { minutes: q.minutes, until: q.until };
  const graph = graphOf(seen);
  if (!graph) return { toolCall: call('dependency_graph', {}) };
  const scope = q.focus ? [q.focus, ...calleesOf(q.focus, graph)] : known.filter((s) => graph.has(s));
  const asked = new Set(seen.filter((s) => s.tool === 'service_anomalies').map((s) => String(s.data.service)));
  const changes = changesOf(seen);
  const missing = scope
    .filter((s) => !asked.has(s))
    .map((service) => call('service_anomalies', { service, ...window }));
  if (!changes) missing.push(call('changes', { minutes: Math.min(1440, q.minutes + 30), until: q.until, limit: 50 }));
  if (missing.length) return { toolCalls: missing };
  const ranked = rank(scope, graph, seen, changes ?? []);
  const top = ranked[0];
  if (top && (top.kind === 'traffic_surge' || top.kind === 'cpu_saturation')) {
    const signals = seen.find((s) => s.tool === 'service_signals' && s.data.service === top.service);
    if (!signals) return { toolCall: call('service_signals', { service: top.service, ...window }) };
    loadShape(top, signals.data);
  }
  return answer(ranked);
}

/** The fake server's handler: the brain's reply, with usage estimated at 4 characters a token. */
export function brainHandler(request: RecordedRequest): FakeReply {
  const reply = brainReply(request);
  const usage = {
    prompt: Math.ceil(JSON.stringify(request.body).length / 4),
    completion: Math.ceil(JSON.stringify(reply).length / 4),
  };
  return { ...reply, usage } as FakeReply;
}
