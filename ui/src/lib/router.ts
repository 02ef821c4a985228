// A small history-API router: every view is a URL (deep links), patterns
// like "/models/:name/versions/:version", query strings hold view state
// (filters, sort, chosen runs, tabs).
import { useEffect, useState } from 'preact/hooks';

export type Params = Record<string, string>;

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function matchPath(pattern: string, path: string): Params | null {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const params: Params = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i];
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(xs[i]);
      } catch {
        return null;
      }
    } else if (p !== xs[i]) {
      return null;
    }
  }
  return params;
}

// Builds "/models/a%2Fb/versions/3" from a pattern and values.
export function buildPath(pattern: string, params: Params): string {
  return pattern.replace(/:([A-Za-z_]+)/g, (_, k: string) => encodeURIComponent(params[k] ?? ''));
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

// Rewrites some query parameters of the current URL (view state), keeping the rest.
export function setQuery(changes: Record<string, string | null | undefined>, replace = true): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(window.location.pathname + (s ? `?${s}` : ''), replace);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return loc;
}

// Plain <a href="/..."> links navigate without a reload (modifier clicks open tabs as usual).
export function installLinkInterceptor(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest?.('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const href = a.getAttribute('href');
    if (!href || !href.startsWith('/') || href.startsWith('//')) return;
    if (href.startsWith('/api/') || href.startsWith('/ajax-api/')) return;
    e.preventDefault();
    navigate(href);
  });
}

// The mlflow client prints links to MLflow's UI, which routes in the hash
// ("/#/experiments/1/runs/abc"); they open the same page here.
export function fromMlflowHash(hash: string): string | null {
  const h = hash.replace(/^#/, '');
  if (!h.startsWith('/')) return null;
  const [path] = h.split('?');
  let m = /^\/experiments\/([^/]+)\/runs\/([^/]+)/.exec(path);
  if (m) return `/runs/${m[2]}`;
  m = /^\/experiments\/([^/]+)\/?$/.exec(path);
  if (m) return `/experiments/${m[1]}`;
  m = /^\/models\/([^/]+)\/versions\/([^/]+)/.exec(path);
  if (m) return `/models/${m[1]}/versions/${m[2]}`;
  m = /^\/models\/([^/]+)\/?$/.exec(path);
  if (m) return `/models/${m[1]}`;
  if (path === '/models') return '/models';
  return '/experiments';
}
