// Who is logged in: the pasted API key (kept for this browser tab only) and the role the API reports
// for it. The UI offers only what that role may do; the API enforces it regardless.
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { Client, cacheExchange, fetchExchange, Provider } from 'urql';
import type { ApiRole } from '../gql/graphql';

const STORAGE_KEY = 'segment-dashboard.api-key';
const RANK: Record<ApiRole, number> = { VIEWER: 0, MARKETER: 1, ADMIN: 2 };

export interface Session {
  key: string;
  name: string;
  role: ApiRole;
  can(role: ApiRole): boolean;
  logOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function createApiClient(key: string | null): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: false,
    fetchOptions: (): RequestInit => ({ headers: key ? { authorization: `Bearer ${key}` } : {} }),
  });
}

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function SessionProvider(props: { login: { key: string; name: string; role: ApiRole }; onLogOut(): void; children: ReactNode }) {
  const { key, name, role } = props.login;
  const { onLogOut } = props;
  const client = useMemo(() => createApiClient(key), [key]);
  const session = useMemo<Session>(
    () => ({
      key,
      name,
      role,
      can: (needed) => RANK[role] >= RANK[needed],
      logOut: () => {
        sessionStorage.removeItem(STORAGE_KEY);
        onLogOut();
      },
    }),
    [key, name, role, onLogOut],
  );
  useEffect(() => sessionStorage.setItem(STORAGE_KEY, key), [key]);
  return (
    <SessionContext.Provider value={session}>
      <Provider value={client}>{props.children}</Provider>
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
