// Hash routes (#/segment/12): the server serves one index.html at `/`, and links work without it
// knowing the dashboard's paths.
import { useEffect, useState } from 'react';

export type Route =
  | { view: 'overview' }
  | { view: 'map' }
  | { view: 'segment'; id: string }
  | { view: 'customer'; id: string }
  | { view: 'runs' }
  | { view: 'lookalike'; segment?: string }
  | { view: 'risk' }
  | { view: 'admin' };

export function parseRoute(hash: string): Route {
  const [, view = '', id] = hash.replace(/^#/, '').split('/');
  switch (view) {
    case 'map':
      return { view: 'map' };
    case 'segment':
      return id ? { view: 'segment', id: decodeURIComponent(id) } : { view: 'overview' };
    case 'customer':
      return id ? { view: 'customer', id: decodeURIComponent(id) } : { view: 'overview' };
    case 'runs':
      return { view: 'runs' };
    case 'risk':
      return { view: 'risk' };
    case 'lookalike':
      return id ? { view: 'lookalike', segment: decodeURIComponent(id) } : { view: 'lookalike' };
    case 'admin':
      return { view: 'admin' };
    default:
      return { view: 'overview' };
  }
}

export function href(route: Route): string {
  switch (route.view) {
    case 'overview':
      return '#/';
    case 'segment':
    case 'customer':
      return `#/${route.view}/${encodeURIComponent(route.id)}`;
    case 'lookalike':
      return route.segment ? `#/lookalike/${encodeURIComponent(route.segment)}` : '#/lookalike';
    default:
      return `#/${route.view}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
