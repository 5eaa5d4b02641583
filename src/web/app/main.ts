/**
 * The dashboard's entry point: restores the session, draws the shell (navigation, user, help), installs
 * the keyboard shortcuts and starts the hash router. Loaded as `<script type="module" src="app/main.js">`.
 */
import { api, errorMessage } from './api.js';
import { h, mount } from './dom.js';
import { toggleHelp } from './help.js';
import { installKeyboard } from './keyboard.js';
import { buildHash } from './route.js';
import type { RouteDefinition } from './router.js';
import { Router } from './router.js';
import { toast } from './ui.js';
import { alertsView } from './views/alerts.js';
import { attackView } from './views/attack.js';
import { huntView } from './views/hunt.js';
import { incidentView } from './views/incident.js';
import { incidentsView } from './views/incidents.js';
import { loginView } from './views/login.js';
import { overviewView } from './views/overview.js';

const ROUTES: readonly RouteDefinition[] = [
  { pattern: '/login', view: loginView, title: 'Sign in', public: true },
  { pattern: '/', view: overviewView, title: 'Overview', section: 'overview' },
  { pattern: '/incidents', view: incidentsView, title: 'Incidents', section: 'incidents' },
  { pattern: '/incidents/:id', view: incidentView, title: 'Incident', section: 'incidents' },
  { pattern: '/alerts', view: alertsView, title: 'Alerts', section: 'alerts' },
  { pattern: '/attack', view: attackView, title: 'ATT&CK', section: 'attack' },
  { pattern: '/hunt', view: huntView, title: 'Hunt', section: 'hunt' },
  { pattern: '/hunt/:id', view: huntView, title: 'Hunt', section: 'hunt' },
];

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html lacks #${id}`);
  return found;
}

function drawUser(router: Router): void {
  const slot = element('user');
  const me = api.me;
  document.body.dataset.auth = me === undefined ? 'out' : 'in';
  if (me === undefined) {
    slot.replaceChildren();
    return;
  }
  mount(
    slot,
    h('span', { class: 'user-name', title: `Signed in as ${me.name} (${me.role})` }, me.name),
    h('span', { class: `role role-${me.role}` }, me.role),
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        id: 'logout',
        onclick: () => {
          api
            .logout()
            .catch((error: unknown) => toast(`Sign-out: ${errorMessage(error)}`, 'error'))
            .finally(() => {
              drawUser(router);
              router.navigate('#/login');
            });
        },
      },
      'Sign out',
    ),
  );
}

async function boot(): Promise<void> {
  const view = element('view');
  const nav = element('nav');
  const router: Router = new Router({
    routes: ROUTES,
    root: view,
    isAuthenticated: () => api.me !== undefined,
    onRoute: (route) => {
      for (const link of nav.querySelectorAll<HTMLAnchorElement>('a[data-section]'))
        if (route?.section !== undefined && link.dataset.section === route.section)
          link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
    },
    sessionChanged: () => drawUser(router),
  });
  api.onUnauthorized(() => {
    drawUser(router);
    if (!location.hash.startsWith('#/login'))
      router.navigate(buildHash('/login', { next: location.hash || undefined }));
  });
  element('help-button').addEventListener('click', toggleHelp);
  installKeyboard({
    help: toggleHelp,
    'go-overview': () => router.navigate('#/'),
    'go-incidents': () => router.navigate('#/incidents'),
    'go-alerts': () => router.navigate('#/alerts'),
    'go-attack': () => router.navigate('#/attack'),
    'go-hunt': () => router.navigate('#/hunt'),
  });
  try {
    await api.restore();
  } catch (error) {
    mount(
      view,
      h(
        'div',
        { class: 'error-box', role: 'alert' },
        'The Ballotguard server did not answer: ',
        errorMessage(error),
      ),
    );
    return;
  }
  drawUser(router);
  router.start();
}

boot().catch((error: unknown) => {
  document.body.append(
    h('p', { class: 'error-box', role: 'alert' }, `The dashboard failed to start: ${errorMessage(error)}`),
  );
});
