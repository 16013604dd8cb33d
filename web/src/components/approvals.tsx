import { useState } from 'preact/hooks';
import type { ApprovalView, ViewerView } from '../../../src/present/dashboard-view';
import { decide } from '../api';
import { fullTime } from '../format';

const at = (iso: string) => <time dateTime={iso}>{fullTime(iso)}</time>;

interface Notice {
  ok: boolean;
  text: string;
}

function Approval(props: {
  request: ApprovalView;
  viewer: ViewerView;
  busy: boolean;
  onDecide: (id: string, decision: 'approve' | 'deny') => void;
}) {
  const { request: r, viewer, busy } = props;
  const id = `approval-${r.id}`;
  const mine = r.requestedBy.id === viewer.person;
  const what = `${r.action} ${r.target}${r.params ? ` ${r.params}` : ''}`;
  return (
    <article class="card" aria-labelledby={id}>
      <header class="card-head">
        <h3 id={id}>
          <span class="mono">{r.id}</span> {what}
        </h3>
        <span class="badge warn">
          {r.approvals.length} of {r.approvalsNeeded} approvals
        </span>
      </header>
      <p class="meta">
        Requested by {mine ? 'you' : r.requestedBy.name} at {at(r.createdAt)}
        {' · expires '}
        {at(r.expiresAt)}
        {r.approvals.length > 0 && ` · approved by ${r.approvals.map((a) => a.name).join(', ')}`}
      </p>
      <p class="meta">Blast radius: {r.blastRadius}</p>
      <details>
        <summary>
          Plan ({r.calls.length} {r.calls.length === 1 ? 'call' : 'calls'})
        </summary>
        <ul class="mono calls">
          {r.calls.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      </details>
      {viewer.canApprove && (
        <div class="actions">
          <button
            type="button"
            class="primary"
            disabled={busy}
            aria-label={`Approve ${r.id}: ${what}`}
            onClick={() => props.onDecide(r.id, 'approve')}
          >
            Approve
          </button>
          <button
            type="button"
            disabled={busy}
            aria-label={`${mine ? 'Withdraw' : 'Deny'} ${r.id}: ${what}`}
            onClick={() => props.onDecide(r.id, 'deny')}
          >
            {mine ? 'Withdraw' : 'Deny'}
          </button>
        </div>
      )}
    </article>
  );
}

/** Pending approvals; an approver decides from here through the same command layer as chat and REST. */
export function Approvals(props: { approvals: ApprovalView[] | undefined; viewer: ViewerView; csrf: string }) {
  const [busy, setBusy] = useState<string>();
  const [notice, setNotice] = useState<Notice>();
  const onDecide = async (id: string, decision: 'approve' | 'deny') => {
    setBusy(id);
    const answer = await decide(id, decision, props.csrf);
    setBusy(undefined);
    setNotice({ ok: answer.ok, text: answer.message });
  };
  return (
    <section aria-labelledby="approvals-title">
      <h2 id="approvals-title">Pending approvals</h2>
      <p class={notice ? (notice.ok ? 'notice ok' : 'notice bad') : 'notice'} role="status" aria-live="polite">
        {notice?.text ?? ''}
      </p>
      {!props.approvals && <p class="muted">Reading approvals…</p>}
      {props.approvals?.length === 0 && <p class="muted">Nothing waits for approval.</p>}
      <div class="list">
        {props.approvals?.map((r) => (
          <Approval key={r.id} request={r} viewer={props.viewer} busy={busy === r.id} onDecide={onDecide} />
        ))}
      </div>
    </section>
  );
}
