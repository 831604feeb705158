import { z } from 'zod';
import {
  sealSecret,
  SEALED_CONTEXTS,
  ValidationError,
  type SessionEvent,
} from '@everjust/core';
import { requireScope, requireSecretKey } from '../auth/scopes.js';
import { startSessionWithJob } from '../services/start-session.js';
import { storeTenantToken } from '../services/tenant-tokens.js';
import { builder } from './builder.js';
import { findVisibleProject, idempotencyKeySchema } from './projects.js';
import { TenantRef } from './tenant.js';

/** A GitHub token as GitHub issues them: printable, no spaces (classic `ghp_…`, fine-grained `github_pat_…`, installation `ghs_…`). */
export const tokenSchema = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters').regex(/^[\x21-\x7e]+$/, 'must not contain spaces');
/** GitHub's rules for user and organisation names. */
export const ownerSchema = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, 'must be a GitHub user or organisation name');
export const repositorySchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1 to 100 letters, digits, ".", "-" or "_"')
  .refine((name) => name !== '.' && name !== '..' && !name.toLowerCase().endsWith('.git'), 'must not be "." or ".." or end with ".git"');
/** `git check-ref-format`, for one branch name. */
export const branchSchema = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (name) =>
      !/[\x00-\x20\x7f~^:?*[\\]/.test(name) &&
      !name.startsWith('/') &&
      !name.startsWith('-') &&
      !name.endsWith('/') &&
      !name.endsWith('.') &&
      !name.endsWith('.lock') &&
      !name.includes('..') &&
      !name.includes('//') &&
      !name.includes('@{') &&
      name !== '@' &&
      name.split('/').every((part) => !part.startsWith('.')),
    'must be a valid git branch name',
  );
const messageSchema = z.string().trim().min(1, 'must not be empty').max(10_000, 'must be at most 10,000 characters');

builder.objectField(TenantRef, 'gitHubTokenSet', (t) =>
  t.boolean({
    description: 'Whether a GitHub token is stored for exports (the token itself is never shown).',
    resolve: (tenant) => tenant.githubTokenEncrypted != null,
  }),
);

const SetGitHubTokenInput = builder.inputType('SetGitHubTokenInput', {
  fields: (t) => ({
    token: t.string({
      required: false,
      validate: tokenSchema,
      description: 'A GitHub token that may create repositories and push (`repo` scope, or Contents and Administration write). null clears it.',
    }),
  }),
});

const ExportToGitHubInput = builder.inputType('ExportToGitHubInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    owner: t.string({ required: true, validate: ownerSchema, description: 'The user or organisation the repository belongs to.' }),
    repo: t.string({ required: true, validate: repositorySchema, description: 'Created (with a first commit) when it does not exist.' }),
    private: t.boolean({ required: false, defaultValue: true, description: 'For a new repository; an existing one keeps its visibility.' }),
    branch: t.string({ required: false, defaultValue: 'main', validate: branchSchema, description: 'Made from the default branch when missing.' }),
    message: t.string({ required: false, defaultValue: 'Export from EverJust', validate: messageSchema }),
    token: t.string({
      required: false,
      validate: tokenSchema,
      description:
        "For this export only, instead of the tenant's stored token; required in test mode. Kept encrypted until the export ends; never shown in events.",
    }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});

builder.mutationFields((t) => ({
  setGitHubToken: t.prismaField({
    type: 'Tenant',
    description:
      "Stores the tenant's GitHub token for live-mode exports, encrypted at rest (a key derived from EVERJUST_SECRET); `token: null` clears it. Needs `keys:write` and a live key (a tenant setting: a test key gets FORBIDDEN).",
    args: { input: t.arg({ type: SetGitHubTokenInput, required: true }) },
    resolve: (query, _root, { input }, context) =>
      storeTenantToken(context, query, { label: 'GitHub token', column: 'githubTokenEncrypted', sealContext: SEALED_CONTEXTS.tenantGitHubToken }, input.token),
  }),
  exportToGitHub: t.prismaField({
    type: 'Session',
    description:
      "Pushes the project's files to a GitHub repository, in one commit, creating the repository when missing. Returns at once a session of kind `export`; its `done` carries `result: { repositoryUrl, commitSha, branch }`. Uses `token`, else (live mode only) the tenant's stored token (setGitHubToken); in test mode `token` is required, as the stored token is a live credential.",
    args: { input: t.arg({ type: ExportToGitHubInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      requireSecretKey(context.caller, 'export to GitHub');
      const { prisma, pubsub, config, secret } = context.services;
      const project = await findVisibleProject(context, String(input.projectId));
      const token = input.token?.trim() || null;
      if (!token && context.caller.mode === 'test') {
        // The stored token is set by live keys only and pushes for real: test mode never borrows it.
        throw new ValidationError('input.token: a test-mode export needs a token passed with the call (the stored GitHub token is used in live mode only)', {
          issues: [{ path: ['input', 'token'], message: 'required in test mode' }],
        });
      }
      if (!token) {
        const tenant = await prisma.tenant.findUnique({ where: { id: context.caller.tenantId }, select: { githubTokenEncrypted: true } });
        if (!tenant?.githubTokenEncrypted) {
          throw new ValidationError('input.token: no GitHub token; pass one, or store one with setGitHubToken', {
            issues: [{ path: ['input', 'token'], message: 'required when the tenant has no GitHub token' }],
          });
        }
      }
      if ((await prisma.projectFile.count({ where: { projectId: project.id } })) === 0) {
        throw new ValidationError('input.projectId: the project has no files to export', { issues: [{ path: ['input', 'projectId'], message: 'has no files' }] });
      }
      const target = {
        owner: input.owner,
        repo: input.repo,
        private: input.private ?? true,
        branch: input.branch ?? 'main',
        message: (input.message ?? 'Export from EverJust').trim(),
      };
      const firstEvents: SessionEvent[] = [];
      const session = await startSessionWithJob(context, {
        kind: 'export',
        project,
        operation: 'exportToGitHub',
        idempotencyKey: input.idempotencyKey,
        // The token stays out of the stored hash; only where it comes from counts.
        idempotencyInput: { projectId: project.id, ...target, tokenSource: token ? 'input' : 'tenant' },
        // A token passed with the call is sealed for this session only; the job never holds it in clear.
        jobPayload: (sessionId) => ({ ...target, ...(token ? { sealedToken: sealSecret(secret, token, SEALED_CONTEXTS.sessionGitHubToken(sessionId)) } : {}) }),
      });
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
}));
