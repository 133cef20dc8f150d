import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { ViewerQuery } from './api/operations';
import type { ApiRole } from './gql/graphql';
import { href, useRoute, type Route } from './routing/router';
import { SessionProvider, createApiClient, storedKey, useSession } from './session/session';
import { AdminView } from './views/AdminView';
import { AtRiskView } from './views/AtRiskView';
import { CustomerView } from './views/CustomerView';
import { LoginView } from './views/LoginView';
import { LookalikeView } from './views/LookalikeView';
import { MapView } from './views/MapView';
import { OverviewView } from './views/OverviewView';
import { RunsView } from './views/RunsView';
import { SegmentView } from './views/SegmentView';

type Login = { key: string; name: string; role: ApiRole };

export function App() {
  const [login, setLogin] = useState<Login | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const logOut = useCallback(() => setLogin(null), []);
  // A reload keeps the tab's key: check it again with the API before trusting it.
  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    void createApiClient(key)
      .query(ViewerQuery, {})
      .toPromise()
      .then((r) => {
        if (r.data?.viewer) setLogin({ key, ...r.data.viewer });
        setRestoring(false);
      });
  }, []);
  if (restoring) return <p role="status">Loading…</p>;
  if (!login) return <LoginView onLogin={setLogin} />;
  return (
    <SessionProvider login={login} onLogOut={logOut}>
      <Shell />
    </SessionProvider>
  );
}

const NAV: { route: Route; label: string; role: ApiRole }[] = [
  { route: { view: 'overview' }, label: 'Overview', role: 'VIEWER' },
  { route: { view: 'map' }, label: 'Map', role: 'VIEWER' },
  { route: { view: 'runs' }, label: 'Runs', role: 'VIEWER' },
  { route: { view: 'risk' }, label: 'At risk', role: 'VIEWER' },
  { route: { view: 'lookalike' }, label: 'Lookalikes', role: 'MARKETER' },
  { route: { view: 'admin' }, label: 'Admin', role: 'ADMIN' },
];

function Shell() {
  const session = useSession();
  const route = useRoute();
  // A key revoked while the tab was away: asked again whenever the shell mounts (after a reload, say).
  const [{ data }] = useQuery({ query: ViewerQuery, requestPolicy: 'cache-and-network' });
  useEffect(() => {
    if (data && !data.viewer) session.logOut();
  }, [data, session]);
  // After navigating (not on the first render), focus moves to the new view, as a page load would.
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route]);
  const section = route.view === 'segment' || route.view === 'customer' ? 'overview' : route.view;
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Segment dashboard</span>
        <nav aria-label="Views">
          <ul>
            {NAV.filter((n) => session.can(n.role)).map((n) => (
              <li key={n.label}>
                <a href={href(n.route)} aria-current={section === n.route.view ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {session.name} <span className="chip">{session.role.toLowerCase()}</span>
          <button type="button" className="link" onClick={session.logOut}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}

function View({ route }: { route: Route }) {
  const session = useSession();
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'map':
      return <MapView />;
    case 'segment':
      return <SegmentView id={route.id} />;
    case 'customer':
      return <CustomerView id={route.id} />;
    case 'runs':
      return <RunsView />;
    case 'risk':
      return <AtRiskView />;
    case 'lookalike':
      return session.can('MARKETER') ? <LookalikeView segment={route.segment} /> : <NotAllowed />;
    case 'admin':
      return session.can('ADMIN') ? <AdminView /> : <NotAllowed />;
  }
}

function NotAllowed() {
  return <p role="alert">This view needs a role your key does not have.</p>;
}
