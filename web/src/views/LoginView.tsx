import { useState, type FormEvent } from 'react';
import { ViewerQuery } from '../api/operations';
import { ErrorNote } from '../components/ErrorNote';
import type { ApiRole } from '../gql/graphql';
import { createApiClient } from '../session/session';

/** Log in by pasting an API key; the API says whose it is and what role it has. */
export function LoginView({ onLogin }: { onLogin(login: { key: string; name: string; role: ApiRole }): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const trimmed = key.trim();
    const r = await createApiClient(trimmed).query(ViewerQuery, {}).toPromise();
    setBusy(false);
    // The API refuses a key that is unknown, revoked or expired outright (UNAUTHENTICATED) and says which.
    const refused = r.error?.graphQLErrors.find((g) => g.extensions?.code === 'UNAUTHENTICATED');
    if (refused) return setError(`This key was not accepted: ${refused.message}`);
    if (r.error) return setError(r.error);
    if (!r.data?.viewer) return setError('This key was not accepted: check that it is complete and not revoked.');
    onLogin({ key: trimmed, ...r.data.viewer });
  };
  return (
    <main className="login">
      <h1>Segment dashboard</h1>
      <form onSubmit={submit}>
        <label>
          API key
          <input name="apiKey" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required aria-describedby="key-help" />
        </label>
        <p id="key-help" className="muted small">
          Paste a key from <code>npm run keys:create</code> (the demo prints an admin key). It is kept for this tab only.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        <ErrorNote error={error as Error | string | null} />
      </form>
    </main>
  );
}
