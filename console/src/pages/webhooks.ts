import { errorMessage, gql } from '../api.js';
import { field, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { PageContext } from '../router.js';
import { actionButton, badge, copyable, empty, errorBox, form, loading, pageHeader, section, shortId, table } from '../ui.js';

/**
 * Webhooks: the endpoints of this mode (add one: its signing secret shown once; enable, disable,
 * delete), and the delivery log, each delivery with the request that was sent and the response that
 * came back, and a button to send it again.
 */

const ENDPOINTS_QUERY = `query ConsoleWebhookEndpoints { webhookEndpoints(first: 100) { edges { node { id url description enabled events createdAt } } } }`;
const DELIVERY_FIELDS = 'id eventId eventType status attempts lastStatusCode lastError createdAt deliveredAt nextAttemptAt endpoint { id url } request { body headers sentAt } response { statusCode body }';
const DELIVERIES_QUERY = `query ConsoleWebhookDeliveries($first: Int!, $after: String, $endpointId: ID, $status: WebhookDeliveryStatus) {
  webhookDeliveries(first: $first, after: $after, endpointId: $endpointId, status: $status) {
    edges { node { ${DELIVERY_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CREATE_MUTATION = `mutation ConsoleCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { id url } } }`;
const UPDATE_MUTATION = `mutation ConsoleUpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id enabled } }`;
const DELETE_MUTATION = `mutation ConsoleDeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { id } }`;
const REDELIVER_MUTATION = `mutation ConsoleRedeliverWebhook($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id status } }`;

const EVENT_TYPES = [
  'SESSION_STARTED', 'SESSION_SUCCEEDED', 'SESSION_FAILED', 'SESSION_CANCELLED', 'SESSION_WAITING_FOR_INPUT',
  'PREVIEW_READY', 'PREVIEW_ERRORS', 'EXPORT_SUCCEEDED', 'EXPORT_FAILED', 'DEPLOY_SUCCEEDED', 'DEPLOY_FAILED',
];
const eventName = (value: string) => value.toLowerCase().replace('_', '.');

export async function webhooksPage(context: PageContext) {
  const { main, signal } = context;
  const endpointsHolder = h('div', null, loading('Loading endpoints…'));
  const deliveriesHolder = h('div', null, loading('Loading deliveries…'));
  const created = h('div', { 'aria-live': 'polite' });
  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://example.com/hooks/everjust', autocomplete: 'off' });
  const description = h('input', { type: 'text', name: 'description', maxlength: '500', autocomplete: 'off' });
  const eventBoxes = EVENT_TYPES.map((type) => h('label', null, h('input', { type: 'checkbox', name: 'events', value: type, checked: true }), eventName(type)));
  const createForm = form(
    'Add an endpoint',
    [h('div', { class: 'grid-form' }, field('URL', url), field('Description', description)), h('fieldset', null, h('legend', null, 'Events'), h('div', { class: 'checks' }, eventBoxes))],
    'Add endpoint',
    async (element) => {
      const events = [...element.querySelectorAll<HTMLInputElement>('input[name="events"]:checked')].map((box) => box.value);
      if (events.length === 0) throw new Error('Choose at least one event.');
      const data = await gql(CREATE_MUTATION, { input: { url: url.value.trim(), description: description.value.trim() || null, events } });
      replace(
        created,
        h('div', { class: 'secret', role: 'status' }, h('p', null, h('strong', null, 'Endpoint added.'), ' Its signing secret is shown this once: store it where your receiver checks signatures.'), copyable(data.createWebhookEndpoint.secret, 'Copy the signing secret')),
      );
      element.reset();
      await Promise.all([loadEndpoints(), loadDeliveries()]);
      return 'Added.';
    },
  );
  const statusFilter = h('select', { name: 'status', onchange: () => void loadDeliveries() }, h('option', { value: '' }, 'Any status'), ['PENDING', 'SUCCEEDED', 'FAILED'].map((status) => h('option', { value: status }, status.toLowerCase())));
  const endpointFilter = h('select', { name: 'endpointId', onchange: () => void loadDeliveries() }, h('option', { value: '' }, 'Every endpoint'));
  main.append(
    pageHeader('Webhooks', 'Where your backend hears about sessions, previews, exports and deploys.'),
    section('Endpoints', endpointsHolder),
    section('Add an endpoint', createForm, created),
    section('Delivery log', h('div', { class: 'filters' }, field('Status', statusFilter), field('Endpoint', endpointFilter)), deliveriesHolder),
  );

  // Two loads in flight (after adding an endpoint, then a click): only the latest one draws.
  let endpointsLoad = 0;
  async function loadEndpoints(): Promise<void> {
    const load = ++endpointsLoad;
    let data: any;
    try {
      data = await gql(ENDPOINTS_QUERY, {}, signal);
    } catch (error) {
      if (!signal.aborted && load === endpointsLoad) replace(endpointsHolder, errorBox(error, () => void loadEndpoints()));
      return;
    }
    if (load !== endpointsLoad) return;
    const endpoints = data.webhookEndpoints.edges.map((edge: any) => edge.node);
    const chosen = endpointFilter.value;
    replace(endpointFilter, h('option', { value: '' }, 'Every endpoint'), endpoints.map((endpoint: any) => h('option', { value: endpoint.id, selected: endpoint.id === chosen }, endpoint.url)));
    replace(
      endpointsHolder,
      endpoints.length === 0
        ? empty('No endpoints in this mode.')
        : table('Webhook endpoints', ['URL', 'Events', 'Status', 'Created', 'Actions'], endpoints.map((endpoint: any) => [
            h('span', null, h('code', null, endpoint.url), endpoint.description ? h('span', { class: 'hint' }, ` ${endpoint.description}`) : null),
            endpoint.events.length === EVENT_TYPES.length ? 'all' : endpoint.events.map(eventName).join(', '),
            badge(endpoint.enabled ? 'active' : 'disabled'),
            formatTime(endpoint.createdAt),
            h(
              'div',
              { class: 'actions' },
              actionButton(endpoint.enabled ? 'Disable' : 'Enable', async () => {
                await gql(UPDATE_MUTATION, { input: { id: endpoint.id, enabled: !endpoint.enabled } });
                await loadEndpoints();
              }, { class: 'secondary small', 'aria-label': `${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.url}` }),
              deleteButton(endpoint),
            ),
          ])),
    );
  }

  function deleteButton(endpoint: any): HTMLElement {
    const message = h('span', { class: 'inline-error', role: 'alert' });
    let armed = false;
    const button = h('button', {
      type: 'button',
      class: 'danger small',
      'aria-label': `Delete ${endpoint.url}`,
      onclick: async () => {
        if (!armed) {
          armed = true;
          button.textContent = 'Confirm delete';
          button.classList.add('confirm');
          return;
        }
        button.disabled = true;
        try {
          await gql(DELETE_MUTATION, { id: endpoint.id });
          await Promise.all([loadEndpoints(), loadDeliveries()]);
        } catch (error) {
          message.textContent = errorMessage(error);
          button.disabled = false;
        }
      },
    }, 'Delete');
    return h('span', { class: 'action' }, button, message);
  }

  const deliveries: any[] = [];
  let deliveriesLoad = 0;
  async function loadDeliveries(after: string | null = null): Promise<void> {
    const load = ++deliveriesLoad;
    let data: any;
    try {
      data = await gql(DELIVERIES_QUERY, { first: 25, after, endpointId: endpointFilter.value || null, status: statusFilter.value || null }, signal);
    } catch (error) {
      if (!signal.aborted && load === deliveriesLoad) replace(deliveriesHolder, errorBox(error, () => void loadDeliveries(after)));
      return;
    }
    if (load !== deliveriesLoad) return;
    if (!after) deliveries.length = 0;
    deliveries.push(...data.webhookDeliveries.edges.map((edge: any) => edge.node));
    const pageInfo = data.webhookDeliveries.pageInfo;
    replace(
      deliveriesHolder,
      deliveries.length === 0 ? empty('No deliveries yet.') : h('ul', { class: 'deliveries plain' }, deliveries.map(deliveryItem)),
      pageInfo.hasNextPage ? h('div', { class: 'more' }, h('button', { type: 'button', class: 'secondary', onclick: () => void loadDeliveries(pageInfo.endCursor) }, 'Load more')) : null,
    );
  }

  function deliveryItem(delivery: any): HTMLElement {
    const { request, response } = delivery;
    return h(
      'li',
      null,
      h(
        'details',
        null,
        h('summary', null, badge(delivery.status), ` ${eventName(delivery.eventType)} → `, h('code', null, delivery.endpoint.url), h('span', { class: 'hint' }, ` ${formatTime(delivery.createdAt)} · ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}${delivery.lastStatusCode ? ` · HTTP ${delivery.lastStatusCode}` : ''}`)),
        h(
          'dl',
          { class: 'meta' },
          h('div', null, h('dt', null, 'Event id'), h('dd', null, h('code', null, delivery.eventId))),
          h('div', null, h('dt', null, 'Delivery'), h('dd', null, shortId(delivery.id))),
          h('div', null, h('dt', null, 'Last sent'), h('dd', null, formatTime(request.sentAt))),
          h('div', null, h('dt', null, 'Delivered'), h('dd', null, formatTime(delivery.deliveredAt))),
          h('div', null, h('dt', null, 'Next attempt'), h('dd', null, formatTime(delivery.nextAttemptAt))),
        ),
        h('h3', null, 'Request'),
        request.headers ? h('pre', { tabindex: '0', 'aria-label': 'Request headers' }, Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`).join('\n')) : null,
        h('pre', { tabindex: '0', 'aria-label': 'Request body' }, JSON.stringify(request.body, null, 2)),
        h('h3', null, 'Response'),
        response
          ? h('div', null, h('p', null, `HTTP ${response.statusCode}`), response.body ? h('pre', { tabindex: '0', 'aria-label': 'Response body' }, response.body) : null)
          : h('p', { class: 'hint' }, delivery.lastError ? `No answer: ${delivery.lastError}` : 'Not sent yet.'),
        actionButton('Redeliver', async () => {
          await gql(REDELIVER_MUTATION, { id: delivery.id });
          await loadDeliveries();
        }, { class: 'secondary small', 'aria-label': `Redeliver ${delivery.eventId}` }),
      ),
    );
  }

  await Promise.all([loadEndpoints(), loadDeliveries()]);
}
