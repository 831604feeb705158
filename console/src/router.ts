/** Path routes under /console/, matched in order; `:name` captures one segment. */

export interface PageContext {
  main: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when the visitor leaves the page (streams and pending requests stop). */
  signal: AbortSignal;
}

export interface Route {
  pattern: string;
  title: string;
  /** The nav item it highlights. */
  section: string;
  render(context: PageContext): Promise<void> | void;
}

export const BASE = '/console';

export function match(routes: Route[], pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const path = pathname.replace(/\/+$/, '').slice(BASE.length) || '/';
  for (const route of routes) {
    const names: string[] = [];
    const source = route.pattern.replace(/:(\w+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const found = new RegExp(`^${source}$`).exec(path);
    if (found) return { route, params: Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1]!)])) };
  }
  return undefined;
}

export const href = (path: string) => `${BASE}${path}`;

let navigator: (path: string, replaceState: boolean) => void = (path) => location.assign(path);

/** Registers how the app follows in-console links (set once by main.ts). */
export function setNavigator(handler: (path: string, replaceState: boolean) => void) {
  navigator = handler;
}

/** Goes to a console path (`/console/sessions/…`) without a reload. */
export function navigate(path: string, replaceState = false) {
  navigator(path, replaceState);
}
