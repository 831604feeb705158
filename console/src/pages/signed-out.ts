import { h } from '../dom.js';

/** What a visitor without a session sees: how to get a sign-in link (there are no passwords). */
export function signedOutPage(message?: string): HTMLElement {
  return h(
    'main',
    { id: 'main', class: 'signed-out', tabindex: '-1' },
    h(
      'div',
      { class: 'card narrow' },
      h('p', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'ej'), 'EverJust console'),
      h('h1', null, 'Sign in with a link'),
      message ? h('p', { class: 'notice', role: 'status' }, message) : null,
      h('p', null, 'The console has no passwords. Open a one-time sign-in link, made in either of these ways:'),
      h(
        'ol',
        null,
        h('li', null, 'On the machine that runs the API: ', h('code', null, 'pnpm everjust console link --tenant <tenant id>'), '. The embedded start (', h('code', null, 'pnpm start'), ') prints one beside your keys the first time it starts.'),
        h('li', null, 'From your backend, with a live secret key that has every scope: the GraphQL mutation ', h('code', null, 'createConsoleLink(input: {}) { url expiresAt }'), '.'),
      ),
      h('p', { class: 'hint' }, 'A link works once, for 15 minutes. The session it starts lasts 12 hours, or until you sign out.'),
    ),
  );
}
