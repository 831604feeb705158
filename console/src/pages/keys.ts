import { currentMode, errorMessage, gql } from '../api.js';
import { field, h, replace } from '../dom.js';
import { formatAgo, formatTime } from '../format.js';
import type { PageContext } from '../router.js';
import { badge, copyable, empty, errorBox, form, loading, pageHeader, section, table } from '../ui.js';

/**
 * Secret keys: create one (its secret shown once, with a copy button), see scopes and when each was
 * last used, revoke (a second click confirms). The secret is never fetched again: the API keeps a hash.
 */

const KEYS_QUERY = `query ConsoleApiKeys { apiKeys(first: 100) { edges { node { id name prefix mode scopes createdAt lastUsedAt revokedAt } } } }`;
const CREATE_MUTATION = `mutation ConsoleCreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name prefix } } }`;
const REVOKE_MUTATION = `mutation ConsoleRevokeApiKey($id: ID!) { revokeApiKey(input: { id: $id }) { id revokedAt } }`;

const SCOPES: Array<[value: string, label: string]> = [
  ['PROJECTS_READ', 'projects:read'],
  ['PROJECTS_WRITE', 'projects:write'],
  ['SESSIONS_READ', 'sessions:read'],
  ['SESSIONS_WRITE', 'sessions:write'],
  ['USAGE_READ', 'usage:read'],
  ['KEYS_WRITE', 'keys:write'],
  ['WEBHOOKS_WRITE', 'webhooks:write'],
];
const scopeLabel = (value: string) => SCOPES.find(([scope]) => scope === value)?.[1] ?? value.toLowerCase();

export async function keysPage(context: PageContext) {
  const { main, signal } = context;
  const list = h('div', null, loading('Loading keys…'));
  const created = h('div', { 'aria-live': 'polite' });
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '200', autocomplete: 'off' });
  const scopeBoxes = SCOPES.map(([value, label]) => h('label', null, h('input', { type: 'checkbox', name: 'scopes', value, checked: true }), label));
  const createForm = form(
    'Create a key',
    [
      field('Name', name, `A ${currentMode()} key (the mode switch above picks the mode).`),
      h('fieldset', null, h('legend', null, 'Scopes'), h('div', { class: 'checks' }, scopeBoxes)),
    ],
    'Create key',
    async (element) => {
      const scopes = [...element.querySelectorAll<HTMLInputElement>('input[name="scopes"]:checked')].map((box) => box.value);
      if (scopes.length === 0) throw new Error('Choose at least one scope.');
      const data = await gql(CREATE_MUTATION, { input: { name: name.value.trim(), scopes, mode: currentMode().toUpperCase() } });
      replace(
        created,
        h(
          'div',
          { class: 'secret', role: 'status' },
          h('p', null, h('strong', null, `Key “${data.createApiKey.apiKey.name}” created.`), ' Copy its secret now: it is shown this once and cannot be read again.'),
          copyable(data.createApiKey.secret, 'Copy the secret key'),
        ),
      );
      element.reset();
      await load();
      return 'Created.';
    },
  );
  main.append(pageHeader('API keys', 'Secret keys for your backend. Live keys see both modes; test keys only test mode.'), section('Create a key', createForm, created), section('Keys', list));

  let loads = 0;
  async function load(): Promise<void> {
    const current = ++loads;
    let data: any;
    try {
      data = await gql(KEYS_QUERY, {}, signal);
    } catch (error) {
      if (signal.aborted || current !== loads) return;
      replace(list, errorBox(error, () => void load()));
      return;
    }
    // Only the latest load draws (a create and a revoke can overlap).
    if (current !== loads) return;
    const keys = data.apiKeys.edges.map((edge: any) => edge.node);
    replace(
      list,
      keys.length === 0
        ? empty('No keys in this mode.')
        : table(
            'API keys',
            ['Name', 'Key', 'Mode', 'Scopes', 'Created', 'Last used', 'Status'],
            keys.map((key: any) => [
              key.name,
              h('code', null, `${key.prefix}…`),
              key.mode.toLowerCase(),
              key.scopes.length === SCOPES.length ? 'all' : key.scopes.map(scopeLabel).join(', '),
              formatTime(key.createdAt),
              h('span', { title: formatTime(key.lastUsedAt) }, formatAgo(key.lastUsedAt)),
              key.revokedAt ? badge('revoked') : revokeButton(key),
            ]),
          ),
    );
  }

  function revokeButton(key: any): HTMLElement {
    const message = h('span', { class: 'inline-error', role: 'alert' });
    let armed = false;
    const button = h('button', {
      type: 'button',
      class: 'danger small',
      'aria-label': `Revoke ${key.name}`,
      onclick: async () => {
        // The first click asks; the second revokes (no modal dialog to trap focus).
        if (!armed) {
          armed = true;
          button.textContent = 'Confirm revoke';
          button.classList.add('confirm');
          button.setAttribute('aria-label', `Confirm: revoke ${key.name} now`);
          return;
        }
        button.disabled = true;
        try {
          await gql(REVOKE_MUTATION, { id: key.id });
          await load();
        } catch (error) {
          message.textContent = errorMessage(error);
          button.disabled = false;
        }
      },
      onblur: () => {
        if (!armed || button.disabled) return;
        armed = false;
        button.textContent = 'Revoke';
        button.classList.remove('confirm');
        button.setAttribute('aria-label', `Revoke ${key.name}`);
      },
    }, 'Revoke');
    return h('span', { class: 'action' }, button, message);
  }

  await load();
}
