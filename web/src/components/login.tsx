import { useState } from 'preact/hooks';
import type { HelloView } from '../../../src/present/dashboard-view';
import { logIn } from '../api';

/** The login form: the same users and passwords as POST /auth/login. */
export function Login({ onIn, reason }: { onIn: (hello: HelloView) => void; reason?: string }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      onIn(await logIn(String(form.get('email') ?? ''), String(form.get('password') ?? '')));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>SmartCloudOps</h1>
      <form onSubmit={submit} aria-labelledby="login-title">
        <h2 id="login-title">Log in</h2>
        {reason && <p class="muted">{reason}</p>}
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        {error && (
          <p class="notice bad" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
