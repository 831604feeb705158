import { z } from 'zod';
import { API_KEY_SCOPES, PermissionError } from '@everjust/core';
import { requireLiveKey, requireScope, requireSecretKey } from '../auth/scopes.js';
import { mintConsoleLink, type ConsoleLink } from '../console/console-links.js';
import { builder } from './builder.js';

const ConsoleLinkRef = builder.objectRef<ConsoleLink>('ConsoleLink').implement({
  description: 'A one-time sign-in link to the web console. Anyone holding it signs in as the tenant: hand it on only to who should.',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Open it in a browser: it signs in once, then stops working.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const CreateConsoleLinkInput = builder.inputType('CreateConsoleLinkInput', {
  fields: (t) => ({
    expiresInSeconds: t.int({
      required: false,
      validate: z.number().int().min(60, 'must be at least 60'),
      description: 'How long the link stays valid; at most, and by default, the server\'s link time (15 min).',
    }),
  }),
});

builder.mutationFields((t) => ({
  createConsoleLink: t.field({
    type: ConsoleLinkRef,
    description:
      'Mints a one-time link that signs into the web console as this tenant (both modes; the console picks one with its live/test toggle). ' +
      'Needs a live secret key with every scope (`keys:write` among them): the console can do everything such a key can, so a restricted key cannot open it.',
    args: { input: t.arg({ type: CreateConsoleLinkInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { caller, services } = context;
      requireSecretKey(caller, 'create console links');
      if (caller.console) throw new PermissionError('A console session cannot mint console links: use a secret key', { reason: 'SECRET_KEY_REQUIRED' });
      requireScope(caller, 'keys:write');
      const missing = API_KEY_SCOPES.filter((scope) => !caller.scopes.has(scope));
      if (missing.length > 0) {
        throw new PermissionError(`A console link acts with every scope; this key lacks ${missing.join(', ')}`, { missingScopes: missing });
      }
      requireLiveKey(caller, 'create console links');
      const maxMs = services.config.console.linkTtlMs;
      const ttlMs = input.expiresInSeconds ? Math.min(input.expiresInSeconds * 1000, maxMs) : maxMs;
      return mintConsoleLink(services.prisma, { tenantId: caller.tenantId, publicUrl: services.config.publicUrl, ttlMs });
    },
  }),
}));
