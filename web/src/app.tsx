import { useEffect, useState } from 'preact/hooks';
import type { HelloView } from '../../src/present/dashboard-view';
import { currentSession, logOut } from './api';
import { Approvals } from './components/approvals';
import { Fleet } from './components/fleet';
import { Incidents } from './components/incidents';
import { Jobs } from './components/jobs';
import { Login } from './components/login';
import { Models } from './components/models';
import { useLive, type Connection } from './live';

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

function Dashboard({ start, onOut }: { start: HelloView; onOut: (reason?: string) => void }) {
  const live = useLive(() => onOut('Your session ended; please log in again.'));
  const hello = live.hello ?? start;
  const { viewer, csrf } = hello;
  const { sections } = live;
  return (
    <>
      <header class="top">
        <h1>SmartCloudOps</h1>
        <p class={`connection ${live.connection}`} role="status">
          {CONNECTION_TEXT[live.connection]}
        </p>
        <p class="who">
          {viewer.name} <span class="muted">({viewer.role})</span>
        </p>
        <button type="button" onClick={() => void logOut(csrf).finally(() => onOut())}>
          Log out
        </button>
      </header>
      <main class="dashboard">
        <Fleet fleet={sections.fleet} />
        <div class="columns">
          <Incidents incidents={sections.incidents} />
          <Approvals approvals={sections.approvals} viewer={viewer} csrf={csrf} />
        </div>
        <div class="columns">
          <Jobs jobs={sections.jobs} />
          <Models models={sections.models} />
        </div>
      </main>
    </>
  );
}

/** The page: the login form until there is a session, then the live dashboard. */
export function App() {
  // undefined: still asking the server whether a session exists.
  const [session, setSession] = useState<HelloView | null>();
  const [reason, setReason] = useState<string>();
  useEffect(() => {
    currentSession().then(
      (s) => setSession(s ?? null),
      () => setSession(null),
    );
  }, []);
  if (session === undefined) return <p class="muted loading">Loading…</p>;
  if (session === null) return <Login onIn={setSession} reason={reason} />;
  return (
    <Dashboard
      start={session}
      onOut={(why) => {
        setReason(why);
        setSession(null);
      }}
    />
  );
}
