import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { z } from 'zod';
import {
  decodeIdOf,
  NotFoundError,
  QuotaExceededError,
  refusedAddressReason,
  sealSecret,
  SEALED_CONTEXTS,
  ValidationError,
  WEBHOOK_EVENT_TYPES,
  type Prisma,
  type WebhookDelivery,
  type WebhookEventType,
} from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../plugins/query-cost.js';
import { builder } from './builder.js';
import { paginateById } from './pagination.js';
import { ModeEnum } from './tenant.js';

/** Endpoints per tenant and mode (Stripe allows 16). */
export const MAX_WEBHOOK_ENDPOINTS = 20;

export const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description: 'What an endpoint hears about: session.started, session.succeeded, …, export.failed.',
  values: Object.fromEntries(WEBHOOK_EVENT_TYPES.map((type) => [type.replace('.', '_').toUpperCase(), { value: type }])) as Record<
    string,
    { value: WebhookEventType }
  >,
});

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'pending (not yet delivered, or waiting for its next retry), succeeded, or failed (given up after the last retry).',
  values: { PENDING: { value: 'pending' }, SUCCEEDED: { value: 'succeeded' }, FAILED: { value: 'failed' } } as const,
});

/** Endpoints and deliveries a caller may see: its tenant, its mode. */
function visibleEndpoints(context: RequestContext) {
  return { tenantId: context.caller.tenantId, mode: context.caller.mode } satisfies Prisma.WebhookEndpointWhereInput;
}
function visibleDeliveries(context: RequestContext) {
  return { tenantId: context.caller.tenantId, endpoint: { mode: context.caller.mode } } satisfies Prisma.WebhookDeliveryWhereInput;
}

export const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  description: 'Where the tenant hears about its sessions: each event is POSTed as JSON, signed with the endpoint secret (`EverJust-Signature`).',
  findUnique: (id, context) => ({ id, ...visibleEndpoints(context) }),
  fields: (t) => ({
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    events: t.field({ type: [WebhookEventTypeEnum], resolve: (endpoint) => endpoint.events as WebhookEventType[] }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled endpoint gets no new events; its pending deliveries wait until it is enabled again.' }),
    mode: t.field({ type: ModeEnum, resolve: (endpoint) => endpoint.mode }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<object>;

const WebhookDeliveryRequestRef = builder.objectRef<DeliveryRow>('WebhookDeliveryRequest').implement({
  description: 'What was POSTed: the body (the same bytes on every attempt) and, once it was tried, the headers of the last attempt.',
  fields: (t) => ({
    body: t.field({ type: 'JSONObject', description: 'The JSON body sent (the same as `payload`).', resolve: (delivery) => delivery.payload as Record<string, unknown> }),
    headers: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'The headers of the last attempt, except the signature (`EverJust-Signature`); null before the first attempt.',
      resolve: (delivery) => (delivery.lastRequestHeaders as Record<string, string> | null) ?? null,
    }),
    sentAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'When the last attempt was sent.' }),
  }),
});

const WebhookDeliveryResponseRef = builder.objectRef<DeliveryRow & { lastStatusCode: number }>('WebhookDeliveryResponse').implement({
  description: "The receiver's answer to the last attempt.",
  fields: (t) => ({
    statusCode: t.exposeInt('lastStatusCode'),
    body: t.exposeString('lastResponseBody', { nullable: true, description: 'The start of the answer (at most 2 kB).' }),
  }),
});

export const WebhookDeliveryRef = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  description: 'One event for one endpoint: the delivery log. The same event keeps its id across retries and redeliveries.',
  findUnique: (id, context) => ({ id, ...visibleDeliveries(context) }),
  fields: (t) => ({
    endpoint: t.relation('endpoint'),
    eventId: t.exposeString('eventId', { description: 'Stable (`evt_…`): receivers deduplicate on it (`EverJust-Event-Id`).' }),
    eventType: t.field({ type: WebhookEventTypeEnum, resolve: (delivery) => delivery.eventType as WebhookEventType }),
    payload: t.field({ type: 'JSONObject', description: 'The JSON body sent.', resolve: (delivery) => delivery.payload as Record<string, unknown> }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (delivery) => delivery.status }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it is tried next; null once it succeeded or failed.',
      resolve: (delivery) => (delivery.status === 'pending' ? delivery.nextAttemptAt : null),
    }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true, description: "The receiver's last HTTP status." }),
    request: t.field({ type: WebhookDeliveryRequestRef, resolve: (delivery) => delivery }),
    response: t.field({
      type: WebhookDeliveryResponseRef,
      nullable: true,
      description: 'The answer to the last attempt; null before one, or when it got none (a timeout, a refused connection: see `lastError`).',
      resolve: (delivery) => (delivery.lastStatusCode === null ? null : { ...delivery, lastStatusCode: delivery.lastStatusCode }),
    }),
    lastError: t.exposeString('lastError', { nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** Only http(s), no credentials in the URL, at most 2,048 characters. */
const urlSchema = z
  .string()
  .trim()
  .max(2_048, 'must be at most 2,048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials');
const eventsSchema = z.array(z.string()).min(1, 'give at least one event type').max(WEBHOOK_EVENT_TYPES.length);
const descriptionSchema = z.string().max(500, 'must be at most 500 characters');

/**
 * A URL that names a loopback or private address outright (an IP literal, localhost) is refused
 * when it is made, unless private targets are allowed; names that resolve there are refused by the
 * deliverer, at every delivery.
 */
function checkTarget(context: RequestContext, value: string): string {
  const url = new URL(value.trim());
  url.hash = '';
  if (!context.services.config.webhooks.allowPrivateTargets) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const reason = isIP(host) ? refusedAddressReason(host) : /(^|\.)localhost$/i.test(host) ? 'loopback' : null;
    if (reason) {
      throw new ValidationError(`input.url: webhooks go to public addresses only (${host} is ${reason})`, {
        issues: [{ path: ['input', 'url'], message: `${host} is ${reason}` }],
      });
    }
  }
  return url.toString();
}

const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

const CreateWebhookEndpointPayload = builder
  .objectRef<{ webhookEndpoint: Prisma.WebhookEndpointGetPayload<object>; secret: string }>('CreateWebhookEndpointPayload')
  .implement({
    fields: (t) => ({
      webhookEndpoint: t.field({ type: WebhookEndpointRef, resolve: (payload) => payload.webhookEndpoint }),
      secret: t.exposeString('secret', { description: 'The signing secret (`whsec_…`). Shown this once: store it now.' }),
    }),
  });

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, validate: urlSchema }),
    events: t.field({ type: [WebhookEventTypeEnum], required: true, validate: eventsSchema }),
    description: t.string({ required: false, validate: descriptionSchema }),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string({ required: false, validate: urlSchema }),
    events: t.field({ type: [WebhookEventTypeEnum], required: false, validate: eventsSchema }),
    description: t.string({ required: false, validate: descriptionSchema, description: 'null clears it.' }),
    enabled: t.boolean({ required: false }),
  }),
});

const WebhookEndpointIdInput = builder.inputType('DeleteWebhookEndpointInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const RedeliverWebhookInput = builder.inputType('RedeliverWebhookInput', { fields: (t) => ({ deliveryId: t.id({ required: true }) }) });

async function findVisibleEndpoint(context: RequestContext, globalId: string) {
  const id = decodeIdOf('WebhookEndpoint', globalId);
  const endpoint = id ? await context.services.prisma.webhookEndpoint.findFirst({ where: { id, ...visibleEndpoints(context) } }) : null;
  if (!endpoint) throw new NotFoundError('Webhook endpoint', globalId);
  return endpoint;
}

builder.queryFields((t) => ({
  webhookEndpoints: t.connection({
    type: WebhookEndpointRef,
    description: 'Webhook endpoints of this mode, newest first. Needs `webhooks:write`.',
    resolve: (_root, args, context) => {
      requireScope(context.caller, 'webhooks:write');
      return paginateById('WebhookEndpoint', args, (page) =>
        context.services.prisma.webhookEndpoint.findMany({ where: { ...visibleEndpoints(context), id: page.idFilter }, take: page.take, orderBy: page.orderBy }),
      );
    },
  }),
  webhookDeliveries: t.connection({
    type: WebhookDeliveryRef,
    description: 'The delivery log, newest first; filter by endpoint and status. Needs `webhooks:write`.',
    args: {
      endpointId: t.arg.id({ required: false }),
      status: t.arg({ type: WebhookDeliveryStatusEnum, required: false }),
    },
    resolve: async (_root, args, context) => {
      requireScope(context.caller, 'webhooks:write');
      const where: Prisma.WebhookDeliveryWhereInput = {
        ...visibleDeliveries(context),
        ...(args.endpointId ? { endpointId: (await findVisibleEndpoint(context, String(args.endpointId))).id } : {}),
        ...(args.status ? { status: args.status } : {}),
      };
      return paginateByCreation(args, (page) =>
        context.services.prisma.webhookDelivery.findMany({ where: { AND: [where, page.where] }, take: page.take, orderBy: page.orderBy }),
      );
    },
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreateWebhookEndpointPayload,
    description:
      'Adds an endpoint for this mode and returns its signing secret once. Takes no idempotency key: a secret is shown exactly once. Needs `webhooks:write`.',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireScope(context.caller, 'webhooks:write');
      const url = checkTarget(context, input.url);
      const { prisma, secret: masterSecret } = context.services;
      const secret = newSigningSecret();
      const webhookEndpoint = await prisma.$transaction(async (tx) => {
        const count = await tx.webhookEndpoint.count({ where: visibleEndpoints(context) });
        if (count >= MAX_WEBHOOK_ENDPOINTS) throw new QuotaExceededError('webhookEndpoints', MAX_WEBHOOK_ENDPOINTS, null);
        return tx.webhookEndpoint.create({
          data: {
            ...visibleEndpoints(context),
            url,
            description: input.description ?? null,
            events: [...new Set(input.events)],
            secretEncrypted: sealSecret(masterSecret, secret, SEALED_CONTEXTS.webhookSecret(context.caller.tenantId)),
          },
        });
      });
      return { webhookEndpoint, secret };
    },
  }),
  updateWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    description: 'Changes an endpoint; pending deliveries go to its new URL. Needs `webhooks:write`.',
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'webhooks:write');
      const endpoint = await findVisibleEndpoint(context, String(input.id));
      return context.services.prisma.webhookEndpoint.update({
        ...query,
        where: { id: endpoint.id },
        data: {
          ...(input.url != null ? { url: checkTarget(context, input.url) } : {}),
          ...(input.events != null ? { events: [...new Set(input.events)] } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.enabled != null ? { enabled: input.enabled } : {}),
        },
      });
    },
  }),
  deleteWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    description: 'Deletes an endpoint and its delivery log; it returns the endpoint as it was. Needs `webhooks:write`.',
    args: { input: t.arg({ type: WebhookEndpointIdInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireScope(context.caller, 'webhooks:write');
      const endpoint = await findVisibleEndpoint(context, String(input.id));
      await context.services.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
      return endpoint;
    },
  }),
  redeliverWebhook: t.prismaField({
    type: 'WebhookDelivery',
    description:
      'Queues a delivery again, at once, with the same event id and body (it gets the retry schedule anew). Needs `webhooks:write`.',
    args: { input: t.arg({ type: RedeliverWebhookInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'webhooks:write');
      const { prisma } = context.services;
      const id = decodeIdOf('WebhookDelivery', String(input.deliveryId));
      const delivery = id ? await prisma.webhookDelivery.findFirst({ where: { id, ...visibleDeliveries(context) }, select: { id: true } }) : null;
      if (!delivery) throw new NotFoundError('Webhook delivery', String(input.deliveryId));
      // The database's clock, as the deliverer compares with it. Clearing the lock also makes an
      // attempt in flight unable to record its outcome over this request.
      await prisma.$executeRaw`
        UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL
        WHERE id = ${delivery.id}::uuid`;
      return prisma.webhookDelivery.findUniqueOrThrow({ ...query, where: { id: delivery.id } });
    },
  }),
}));

/**
 * Newest-first pages over (created_at, id): delivery ids are random (the outbox's database default),
 * so the cursor carries the creation time too. An unknown cursor is BAD_USER_INPUT.
 */
function paginateByCreation(
  args: { first?: number | null; last?: number | null; after?: string | null; before?: string | null },
  fetchPage: (page: { where: Prisma.WebhookDeliveryWhereInput; take: number; orderBy: Prisma.WebhookDeliveryOrderByWithRelationInput[] }) => Promise<WebhookDelivery[]>,
) {
  const after = args.after ? parseCursor(args.after, 'after') : undefined;
  const before = args.before ? parseCursor(args.before, 'before') : undefined;
  return resolveCursorConnection(
    { args, toCursor: (row: WebhookDelivery) => toCursor(row), defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE },
    ({ limit, inverted }: ResolveCursorConnectionArgs) => {
      const bounds: Prisma.WebhookDeliveryWhereInput[] = [];
      if (after) bounds.push({ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] });
      if (before) bounds.push({ OR: [{ createdAt: { gt: before.createdAt } }, { createdAt: before.createdAt, id: { gt: before.id } }] });
      const direction = inverted ? 'asc' : 'desc';
      return fetchPage({ where: { AND: bounds }, take: limit, orderBy: [{ createdAt: direction }, { id: direction }] });
    },
  );
}

const toCursor = (row: { createdAt: Date; id: string }) => Buffer.from(`WebhookDelivery:${row.createdAt.toISOString()}:${row.id}`).toString('base64url');

function parseCursor(cursor: string, argument: string): { createdAt: Date; id: string } {
  const match = /^WebhookDelivery:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || Number.isNaN(Date.parse(match[1]))) throw new ValidationError(`\`${argument}\` is not a cursor of this list`, { argument });
  return { createdAt: new Date(match[1]), id: match[2] };
}
