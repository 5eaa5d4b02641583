/**
 * Renders the view of the current hash route into `<main>`. Each render gets an `AbortSignal` that fires
 * when the user leaves the page, so a slow request or an event stream of the old page never writes into
 * the new one.
 */
import { h, mount } from './dom.js';
import type { Location } from './route.js';
import { buildHash, matchPattern, parseHash } from './route.js';
import { errorBox } from './ui.js';

export interface ViewContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly root: HTMLElement;
  readonly signal: AbortSignal;
  /** Goes to another route (a new history entry). */
  navigate(hash: string): void;
  /** Rewrites the address without rendering again (e.g. the open side panel). */
  replace(hash: string): void;
  /** Tells the shell that the session changed (login, logout). */
  sessionChanged(): void;
}

export type View = (context: ViewContext) => void | Promise<void>;

export interface RouteDefinition {
  readonly pattern: string;
  readonly view: View;
  readonly title: string;
  /** Navigation entry to mark current. */
  readonly section?: string;
  /** Reachable without a session (the login page). */
  readonly public?: boolean;
}

export interface RouterOptions {
  readonly routes: readonly RouteDefinition[];
  readonly root: HTMLElement;
  readonly isAuthenticated: () => boolean;
  readonly onRoute: (route: RouteDefinition | undefined, location: Location) => void;
  readonly sessionChanged: () => void;
}

export class Router {
  private controller: AbortController | undefined;

  constructor(private readonly options: RouterOptions) {}

  start(): void {
    window.addEventListener('hashchange', () => this.render());
    this.render();
  }

  navigate(hash: string): void {
    if (location.hash === hash) this.render();
    else location.hash = hash;
  }

  render(): void {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const where = parseHash(location.hash);
    let found: { route: RouteDefinition; params: Record<string, string> } | undefined;
    for (const route of this.options.routes) {
      const params = matchPattern(route.pattern, where.path);
      if (params !== undefined) {
        found = { route, params };
        break;
      }
    }
    if (found !== undefined && found.route.public !== true && !this.options.isAuthenticated()) {
      const next = location.hash === '' || location.hash.startsWith('#/login') ? undefined : location.hash;
      this.navigate(buildHash('/login', { next }));
      return;
    }
    this.options.onRoute(found?.route, where);
    const root = this.options.root;
    if (found === undefined) {
      document.title = 'Not found · Ballotguard';
      mount(root, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
      return;
    }
    document.title = `${found.route.title} · Ballotguard`;
    root.replaceChildren();
    const context: ViewContext = {
      params: found.params,
      query: where.query,
      root,
      signal: controller.signal,
      navigate: (hash) => this.navigate(hash),
      replace: (hash) => history.replaceState(history.state, '', hash),
      sessionChanged: this.options.sessionChanged,
    };
    const failed = (error: unknown): void => {
      if (controller.signal.aborted) return;
      mount(
        root,
        errorBox(error, () => this.render()),
      );
    };
    try {
      const result = found.route.view(context);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
