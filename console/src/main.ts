import './styles.css';
import { currentMode, currentSession, errorMessage, loadSession, setMode, signOut, whenSignedOut } from './api.js';
import { h, replace } from './dom.js';
import { keysPage } from './pages/keys.js';
import { projectPage, projectsPage } from './pages/projects.js';
import { sessionPage } from './pages/session.js';
import { sessionsPage } from './pages/sessions.js';
import { settingsPage } from './pages/settings.js';
import { signedOutPage } from './pages/signed-out.js';
import { usagePage } from './pages/usage.js';
import { webhooksPage } from './pages/webhooks.js';
import { BASE, href, match, navigate, setNavigator, type Route } from './router.js';
import { errorBox } from './ui.js';

/**
 * The console's entry: reads the cookie session (`GET /console/api/session`), then draws the frame
 * (banner with the tenant, the live/test toggle and sign-out; the navigation; the main region) and
 * the page the path names. Links under /console/ are followed without a reload (History API).
 */

const routes: Route[] = [
  { pattern: '/', title: 'Usage', section: 'usage', render: usagePage },
  { pattern: '/usage', title: 'Usage', section: 'usage', render: usagePage },
  { pattern: '/sessions', title: 'Sessions', section: 'sessions', render: sessionsPage },
  { pattern: '/sessions/:id', title: 'Session', section: 'sessions', render: sessionPage },
  { pattern: '/projects', title: 'Projects', section: 'projects', render: projectsPage },
  { pattern: '/projects/:id', title: 'Project', section: 'projects', render: projectPage },
  { pattern: '/keys', title: 'API keys', section: 'keys', render: keysPage },
  { pattern: '/webhooks', title: 'Webhooks', section: 'webhooks', render: webhooksPage },
  { pattern: '/settings', title: 'Settings', section: 'settings', render: settingsPage },
];

const NAV: Array<[section: string, label: string, path: string]> = [
  ['usage', 'Usage', '/usage'],
  ['sessions', 'Sessions', '/sessions'],
  ['projects', 'Projects', '/projects'],
  ['keys', 'API keys', '/keys'],
  ['webhooks', 'Webhooks', '/webhooks'],
  ['settings', 'Settings', '/settings'],
];

const root = document.getElementById('app')!;
let main: HTMLElement;
let nav: HTMLElement;
let modeBanner: HTMLElement;
let current: AbortController | undefined;

function frame() {
  const session = currentSession()!;
  const toggle = h('button', {
    type: 'button',
    role: 'switch',
    class: 'mode-switch',
    'aria-checked': String(currentMode() === 'test'),
    onclick: () => {
      setMode(currentMode() === 'test' ? 'live' : 'test');
      toggle.setAttribute('aria-checked', String(currentMode() === 'test'));
      showMode();
      void render();
    },
  }, h('span', { class: 'track', 'aria-hidden': 'true' }, h('span', { class: 'thumb' })), 'Test mode');
  const signOutStatus = h('span', { class: 'inline-error', role: 'alert' });
  const signOutButton = (everywhere: boolean) =>
    h('button', {
      type: 'button',
      class: 'secondary small',
      onclick: async () => {
        signOutStatus.textContent = '';
        try {
          await signOut(everywhere);
          showSignedOut(everywhere ? 'You are signed out on every device.' : 'You are signed out.');
        } catch (error) {
          signOutStatus.textContent = errorMessage(error);
        }
      },
    }, everywhere ? 'Sign out everywhere' : 'Sign out');
  nav = h('nav', { 'aria-label': 'Console' }, h('ul', null, NAV.map(([section, label, path]) => h('li', null, h('a', { href: href(path), 'data-section': section }, label)))));
  modeBanner = h('p', { class: 'mode-banner', role: 'status' });
  main = h('main', { id: 'main', tabindex: '-1' });
  replace(
    root,
    h('a', {
      class: 'skip-link',
      href: '#main',
      // Focus itself moves to the main region (a fragment link alone only scrolls there in some browsers).
      onclick: (event: Event) => {
        event.preventDefault();
        main.focus();
      },
    }, 'Skip to content'),
    h(
      'header',
      { class: 'banner' },
      h('a', { class: 'brand', href: href('/usage') }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'ej'), 'EverJust console'),
      h('p', { class: 'tenant' }, h('span', { class: 'visually-hidden' }, 'Tenant: '), session.tenant.name, ' ', h('span', { class: 'tier' }, session.tenant.tier.toLowerCase())),
      h('div', { class: 'account' }, toggle, signOutButton(false), signOutButton(true), signOutStatus),
    ),
    modeBanner,
    h('div', { class: 'layout' }, nav, main),
  );
  showMode();
}

function showMode() {
  const test = currentMode() === 'test';
  document.body.classList.toggle('test-mode', test);
  modeBanner.textContent = test ? 'Test mode: you see test data and test keys only.' : '';
  modeBanner.hidden = !test;
}

async function render(focus = false) {
  current?.abort();
  const controller = (current = new AbortController());
  const found = match(routes, location.pathname);
  for (const link of nav.querySelectorAll('a')) {
    if (found && link.dataset.section === found.route.section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  delete main.dataset.ready;
  if (!found) {
    document.title = 'Not found · EverJust console';
    replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', null, 'This console page does not exist. ', h('a', { href: href('/usage') }, 'Go to usage')));
    return;
  }
  document.title = `${found.route.title} · EverJust console`;
  try {
    await found.route.render({ main, params: found.params, query: new URLSearchParams(location.search), signal: controller.signal });
    // Drawn with its data (or its error message): what the tests and the first-paint benchmark wait for.
    if (!controller.signal.aborted) {
      main.dataset.ready = found.route.section;
      performance.mark('console:drawn', { detail: found.route.section });
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    main.append(errorBox(error, () => void render()));
    main.dataset.ready = found.route.section;
  }
  // After a navigation, the page's heading gets focus, so screen readers announce the new page.
  if (focus && !controller.signal.aborted) (main.querySelector('h1') as HTMLElement | null)?.focus();
}

setNavigator((path, replaceState) => {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void render(true);
});

// Plain clicks on links under /console/ are followed without a reload (a new tab stays a new tab).
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = (event.target as Element).closest?.('a');
  if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin) return;
  // A link within this page (the skip link's #main) is the browser's to follow.
  if (link.hash && link.pathname === location.pathname && link.search === location.search) return;
  if (!link.pathname.startsWith(`${BASE}/`) || link.pathname.startsWith(`${BASE}/api/`) || link.pathname.startsWith(`${BASE}/login`)) return;
  if (!currentSession()) return;
  event.preventDefault();
  navigate(link.pathname + link.search);
});
window.addEventListener('popstate', () => void render(true));

function showSignedOut(message?: string) {
  current?.abort();
  document.body.classList.remove('test-mode');
  document.title = 'Signed out · EverJust console';
  replace(root, signedOutPage(message));
}

async function start() {
  whenSignedOut(() => showSignedOut('Your console session ended (it expired, or someone signed out everywhere).'));
  try {
    const session = await loadSession();
    if (!session) return showSignedOut();
  } catch (error) {
    replace(root, h('main', { id: 'main' }, h('h1', null, 'EverJust console'), errorBox(error, () => void start())));
    return;
  }
  frame();
  await render();
}

void start();
