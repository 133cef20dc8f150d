import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ApiKeysQuery, CreateApiKeyMutation, RevokeApiKeyMutation, SetApiKeyExpiryMutation } from '../api/operations';
import { ErrorNote } from '../components/ErrorNote';
import { fmt } from '../components/format';
import type { ApiRole } from '../gql/graphql';
import { useSession } from '../session/session';

/** API keys: create (the secret shown once), see who uses which, set an expiry, revoke. Every change is in the audit log. */
export function KeysPanel() {
  const session = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ApiKeysQuery, requestPolicy: 'cache-and-network' });
  const [created, create] = useMutation(CreateApiKeyMutation);
  const [revoked, revoke] = useMutation(RevokeApiKeyMutation);
  const [expiry, setExpiry] = useMutation(SetApiKeyExpiryMutation);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiRole>('VIEWER');
  const [days, setDays] = useState('');
  const [secret, setSecret] = useState<{ key: string; name: string } | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSecret(null);
    const r = await create({ input: { name, role, expiresInDays: days ? Number(days) : null } });
    if (r.data) {
      setSecret({ key: r.data.createApiKey.key, name: r.data.createApiKey.apiKey.name });
      setName('');
      reload();
    }
  };
  const status = (k: { active: boolean; revokedAt?: string | null }) => (k.revokedAt ? 'revoked' : k.active ? 'active' : 'expired');

  return (
    <section aria-labelledby="keys-title" className="panel">
      <h2 id="keys-title">API keys</h2>
      <form className="form-row" onSubmit={submit} aria-label="Create an API key">
        <label>
          Name <input name="keyName" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Role
          <select name="keyRole" value={role} onChange={(e) => setRole(e.target.value as ApiRole)}>
            <option value="VIEWER">viewer</option>
            <option value="MARKETER">marketer</option>
            <option value="ADMIN">admin</option>
          </select>
        </label>
        <label>
          Expires in days <span className="muted">(empty: never)</span>
          <input name="keyDays" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <button type="submit" disabled={created.fetching}>
          Create key
        </button>
      </form>
      <ErrorNote error={created.error ?? revoked.error ?? expiry.error ?? error} />
      {secret && (
        <div className="notice" role="status" data-testid="new-key">
          <p>
            Key for <strong>{secret.name}</strong>: copy it now — it is not shown again.
          </p>
          <output>
            <code>{secret.key}</code>
          </output>
        </div>
      )}
      <div className="table-scroll short">
        <table aria-busy={fetching}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data?.apiKeys.map((k) => (
              <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                <td>{k.name}</td>
                <td>{k.role.toLowerCase()}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{fmt.date(k.createdAt)}</td>
                <td>{fmt.date(k.lastUsedAt)}</td>
                <td>{fmt.date(k.expiresAt)}</td>
                <td data-testid="key-status">{status(k)}</td>
                <td>
                  {/* The key this page runs on is not offered: the API refuses a key revoking itself. */}
                  {!k.revokedAt && !session.key.startsWith(k.prefix) && (
                    <>
                      <button
                        type="button"
                        onClick={() => void setExpiry({ id: k.id, expiresAt: new Date().toISOString() }).then(reload)}
                        disabled={!k.active || expiry.fetching}
                        aria-label={`Expire ${k.name} now`}
                      >
                        Expire now
                      </button>{' '}
                      <button type="button" onClick={() => void revoke({ id: k.id }).then(reload)} disabled={revoked.fetching} aria-label={`Revoke ${k.name}`}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
