import { gql as request } from '../api.js';
import { field, h, replace } from '../dom.js';
import type { PageContext } from '../router.js';
import { actionButton, errorBox, form, loading, pageHeader, section } from '../ui.js';

/**
 * Tenant settings: allowed widget origins, generation settings (model, instructions, repair rounds,
 * questions, your own Anthropic key) and the GitHub and DigitalOcean tokens. Every secret is
 * write-only: the page says whether one is stored (and the last four characters of the Anthropic
 * key, as the API tells them), never shows it, and its field is empty after saving. Settings belong to
 * the tenant, not to a mode: the page reads and writes them in live mode whatever the switch says (the
 * API takes tenant-wide changes from live mode only).
 */

const gql = (query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal) => request(query, variables, signal, { mode: 'live' });

const SETTINGS_QUERY = `query ConsoleSettings {
  viewer {
    id name tier allowedOrigins gitHubTokenSet digitalOceanTokenSet
    generation { model instructions autoRepairRounds allowQuestions hasAnthropicApiKey anthropicApiKeyLast4 availableModels }
  }
}`;
const UPDATE_TENANT = `mutation ConsoleUpdateTenant($input: UpdateTenantInput!) { updateTenant(input: $input) { id } }`;
const SET_GITHUB = `mutation ConsoleSetGitHubToken($token: String) { setGitHubToken(input: { token: $token }) { gitHubTokenSet } }`;
const SET_DIGITALOCEAN = `mutation ConsoleSetDigitalOceanToken($token: String) { setDigitalOceanToken(input: { token: $token }) { digitalOceanTokenSet } }`;

const secretInput = (name: string) => h('input', { type: 'password', name, autocomplete: 'new-password', spellcheck: 'false' });

export async function settingsPage(context: PageContext) {
  const { main, signal } = context;
  const body = h('div', null, loading('Loading settings…'));
  main.append(pageHeader('Settings', 'These settings belong to the tenant: they apply in live and test mode alike.'), body);
  let viewer: any;
  try {
    viewer = (await gql(SETTINGS_QUERY, {}, signal)).viewer;
  } catch (error) {
    if (signal.aborted) return;
    replace(body, errorBox(error, () => {
      main.replaceChildren();
      void settingsPage(context);
    }));
    return;
  }
  /**
   * After a change: read the settings again and redraw the one card, keeping the message and the
   * focus on its form (the card's old elements, the pressed button among them, are gone).
   */
  const reload = async (card: HTMLElement, build: () => HTMLElement, formLabel?: string, message = 'Saved.') => {
    viewer = (await gql(SETTINGS_QUERY, {}, signal)).viewer;
    const fresh = build();
    card.replaceWith(fresh);
    const target = formLabel ? fresh.querySelector<HTMLFormElement>(`form[aria-label="${formLabel}"]`) : null;
    const result = target?.querySelector('.form-result') ?? fresh.querySelector('.form-result');
    if (result) result.textContent = message;
    (target?.querySelector<HTMLButtonElement>('button[type="submit"]') ?? fresh.querySelector<HTMLElement>('h2'))?.focus();
  };
  const draw = () => replace(body, originsCard(), generationCard(), tokensCard());

  const originsCard = (): HTMLElement => {
    const origins = h('textarea', { name: 'allowedOrigins', rows: '4', spellcheck: 'false' });
    origins.value = viewer.allowedOrigins.join('\n');
    const card = section(
      'Allowed origins',
      form('Allowed origins', [field('Origins, one per line', origins, 'The pages where <everjust-builder> may run with a widget token, as scheme://host[:port].')], 'Save origins', async () => {
        const allowedOrigins = origins.value.split(/\s+/).map((origin) => origin.trim()).filter(Boolean);
        await gql(UPDATE_TENANT, { input: { allowedOrigins } });
        await reload(card, originsCard, 'Allowed origins');
      }),
    );
    return card;
  };

  const generationCard = (): HTMLElement => {
    const generation = viewer.generation;
    const model = h('select', { name: 'model' }, h('option', { value: '', selected: !generation.model }, "The platform's default"), generation.availableModels.map((name: string) => h('option', { value: name, selected: name === generation.model }, name)));
    const instructions = h('textarea', { name: 'instructions', rows: '5', maxlength: '10000' });
    instructions.value = generation.instructions ?? '';
    const rounds = h('select', { name: 'autoRepairRounds' }, [0, 1, 2, 3].map((value) => h('option', { value: String(value), selected: value === generation.autoRepairRounds }, value === 0 ? 'Off' : String(value))));
    const questions = h('input', { type: 'checkbox', name: 'allowQuestions', checked: generation.allowQuestions, id: 'allow-questions' });
    const anthropicKey = secretInput('anthropicApiKey');
    const keyState = generation.hasAnthropicApiKey ? `Your own key is stored (ending in ${generation.anthropicApiKeyLast4 ?? '····'}). Type a new one to replace it.` : 'No key stored: sessions run on the platform’s key.';
    const card = section(
      'Generation',
      form(
        'Generation settings',
        [
          h('div', { class: 'grid-form' }, field('Default model', model), field('Repair rounds after a preview check', rounds)),
          field('Instructions added to every live session', instructions),
          h('div', { class: 'field' }, h('label', { class: 'check', for: 'allow-questions' }, questions, 'The model may ask the end user a question when a request is ambiguous')),
          field('Your own Anthropic API key (write-only)', anthropicKey, keyState),
        ],
        'Save generation settings',
        async () => {
          const input: Record<string, unknown> = {
            model: model.value || null,
            instructions: instructions.value.trim() || null,
            autoRepairRounds: Number(rounds.value),
            allowQuestions: questions.checked,
          };
          if (anthropicKey.value.trim()) input.anthropicApiKey = anthropicKey.value.trim();
          await gql(UPDATE_TENANT, { input: { generation: input } });
          anthropicKey.value = '';
          await reload(card, generationCard, 'Generation settings');
        },
      ),
      generation.hasAnthropicApiKey
        ? actionButton('Remove my Anthropic key', async () => {
            await gql(UPDATE_TENANT, { input: { generation: { anthropicApiKey: null } } });
            await reload(card, generationCard, 'Generation settings', 'Your Anthropic key is removed.');
          }, { class: 'danger small' })
        : null,
    );
    return card;
  };

  const tokenForm = (title: string, stored: boolean, mutation: string, help: string) => {
    const token = secretInput(title.toLowerCase().replace(/\W+/g, '-'));
    const card = () => body.querySelector<HTMLElement>('.tokens')!;
    return h(
      'div',
      { class: 'token' },
      h('h3', null, title),
      h('p', { class: 'hint' }, stored ? 'A token is stored.' : 'No token stored.'),
      form(`${title} token`, [field(`${title} token (write-only)`, token, help)], `Save ${title} token`, async () => {
        if (!token.value.trim()) throw new Error('Type the token first.');
        await gql(mutation, { token: token.value.trim() });
        token.value = '';
        await reload(card(), tokensCard, `${title} token`);
      }),
      stored
        ? actionButton(`Remove the ${title} token`, async () => {
            await gql(mutation, { token: null });
            await reload(card(), tokensCard, `${title} token`, 'The token is removed.');
          }, { class: 'danger small' })
        : null,
    );
  };

  const tokensCard = (): HTMLElement => {
    const card = section(
      'Tokens',
      tokenForm('GitHub', viewer.gitHubTokenSet, SET_GITHUB, 'For live exports and deploys: repo scope, or Contents and Administration write.'),
      tokenForm('DigitalOcean', viewer.digitalOceanTokenSet, SET_DIGITALOCEAN, 'For deploys to App Platform in your own account.'),
    );
    card.classList.add('tokens');
    return card;
  };

  draw();
}
