import { z } from 'zod';
import {
  answerWaitingSession,
  cancelUnclaimedSession,
  jobsReadyChannel,
  EMPTY_USAGE,
  isSessionEnded,
  NotFoundError,
  publishEvents,
  readEvents,
  restoreSessionFiles,
  previewUrlFor,
  screenshotUrlFor,
  sessionCancelChannel,
  ValidationError,
  SESSION_END_STATUSES,
  SESSION_OPEN_STATUSES,
  type PendingQuestion,
  type Prisma,
  type SessionKind,
  type SessionStatus,
  decodeIdOf,
} from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { modelsAllowedFor } from '../services/generation-settings.js';
import { attachmentsFingerprint, parseSessionAttachments } from '../services/session-attachments.js';
import { previewRepairPrompt } from '../services/preview-repair.js';
import { startSessionWithJob } from '../services/start-session.js';
import { streamSessionEvents } from '../services/session-stream.js';
import { builder } from './builder.js';
import { ProjectFileRef } from './files.js';
import { paginateById } from './pagination.js';
import { findVisibleProject, idempotencyKeySchema, ProjectRef } from './projects.js';
import { ErrorInfoRef, SessionEventRef, UsageRef } from './session-events.js';
import { ModeEnum } from './tenant.js';

/**
 * Sessions a caller may see: its tenant, its mode, of a project not deleted (every path: `session`,
 * `node`, `Project.sessions`); for a widget token, only those of its project and its end user
 * (another end user's session on the same project is NOT_FOUND).
 */
/** How long a version's preview link (`Session.previewUrl`) works. */
const VERSION_PREVIEW_TTL_S = 3600;

function visibleSessions(context: RequestContext): Prisma.SessionWhereInput {
  const { caller } = context;
  return {
    tenantId: caller.tenantId,
    mode: caller.mode,
    project: { deletedAt: null },
    ...(caller.widget ? { projectId: caller.widget.projectId, externalUserId: caller.widget.externalUserId } : {}),
  };
}

/** Whether a Pothos prisma `query` loads relations (`include`/`select` with entries), not just the row. */
function hasRelations(query: { include?: object; select?: object }): boolean {
  return Object.keys(query.include ?? {}).length > 0 || Object.keys(query.select ?? {}).length > 0;
}

/** Loads a session the caller may see (its tenant, its mode, a project not deleted), or NOT_FOUND. */
export async function findVisibleSession(context: RequestContext, globalId: string) {
  const id = decodeIdOf('Session', globalId);
  const session = id
    ? await context.services.prisma.session.findFirst({ where: { AND: [{ id }, visibleSessions(context)] } })
    : null;
  if (!session) throw new NotFoundError('Session', globalId);
  return session;
}

const SessionQuestionRef = builder.objectRef<PendingQuestion>('SessionQuestion').implement({
  description: 'The question a session waits on (`waiting_for_input`): answer it with `answerSession`.',
  fields: (t) => ({
    question: t.exposeString('question'),
    choices: t.exposeStringList('choices', { description: 'Answers to offer as buttons; empty: a free answer. Any answer is accepted.' }),
    askedAt: t.field({ type: 'DateTime', resolve: (question) => new Date(question.askedAt) }),
    expiresAt: t.field({ type: 'DateTime', description: 'Unanswered by then, the session ends cancelled (QUESTION_EXPIRED).', resolve: (question) => new Date(question.expiresAt) }),
  }),
});

const SessionAttachmentRef = builder.objectRef<{ position: number; mediaType: string | null; size: number | null; sourceUrl: string | null }>('SessionAttachment').implement({
  description: 'An image given to startSession; one given by URL has its type and size once the worker has fetched it.',
  fields: (t) => ({
    mediaType: t.exposeString('mediaType', { nullable: true, description: 'image/png, image/jpeg, image/webp or image/gif (from its bytes).' }),
    size: t.exposeInt('size', { nullable: true, description: 'In bytes.' }),
    url: t.exposeString('sourceUrl', { nullable: true, description: 'The URL it was given as, if any.' }),
  }),
});

export const SessionRef = builder.prismaNode('Session', {
  id: { field: 'id' },
  description: 'One run of work on a project (a generation, a preview, an export) and its event log.',
  findUnique: (id, context) => ({ id, AND: [visibleSessions(context)] }),
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'generate, preview, export, deploy or import.' }),
    status: t.exposeString('status', {
      description: 'queued, running, waiting_for_input (the model asked a question: see `pendingQuestion`), succeeded, failed or cancelled.',
    }),
    pendingQuestion: t.field({
      type: SessionQuestionRef,
      nullable: true,
      description: 'The question the session waits on while `waiting_for_input`; null otherwise.',
      resolve: (session) => (session.status === 'waiting_for_input' ? ((session.pendingQuestion as PendingQuestion | null) ?? null) : null),
    }),
    prompt: t.exposeString('prompt'),
    reply: t.exposeString('reply', { nullable: true, description: "The model's final reply (its short summary of what it did), once the generation has ended; follow-ups see it." }),
    maxOutputTokens: t.exposeInt('maxOutputTokens', { nullable: true, description: 'The output budget asked for at start, if any.' }),
    model: t.exposeString('model', { nullable: true, description: 'The model that served it (`offline/…` in test mode).' }),
    requestedModel: t.exposeString('requestedModel', { nullable: true, description: "The model asked for at start, if any (else the tenant's default, else the platform's)." }),
    byok: t.exposeBoolean('byok', { description: "Whether it runs on the tenant's own Anthropic key (bring your own key): its tokens are billed to the tenant by Anthropic." }),
    attachments: t.field({
      type: [SessionAttachmentRef],
      description: 'The images given at start, in order.',
      resolve: (session, _args, context) =>
        context.services.prisma.sessionAttachment.findMany({ where: { sessionId: session.id }, select: { position: true, mediaType: true, size: true, sourceUrl: true }, orderBy: { position: 'asc' } }),
    }),
    mode: t.field({ type: ModeEnum, resolve: (session) => session.mode }),
    externalUserId: t.exposeString('externalUserId', { nullable: true }),
    error: t.field({ type: ErrorInfoRef, nullable: true, resolve: (session) => (session.error as { code: string; message: string } | null) ?? null }),
    usage: t.field({ type: UsageRef, resolve: (session) => (session.usage as typeof EMPTY_USAGE | null) ?? EMPTY_USAGE }),
    lastSeq: t.exposeInt('lastSeq', { description: 'The seq of its latest event.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    project: t.relation('project'),
    screenshotUrl: t.string({
      nullable: true,
      description: "A signed link (expiring after an hour) to the preview check's screenshot of the app (PNG), once the preview step has checked it in a headless browser (EVERJUST_BROWSER); null otherwise.",
      resolve: async (session, _args, context) => {
        const { services } = context;
        const found = await services.prisma.sessionScreenshot.findUnique({ where: { sessionId: session.id }, select: { sessionId: true } });
        return found ? screenshotUrlFor(services.config.publicUrl, services.secret, session.id) : null;
      },
    }),
    previewUrl: t.string({
      nullable: true,
      description:
        "A signed link (expiring after an hour) to a static preview of the files as this session left them — a version's preview, whatever runs now. Null until it ends, and for sessions that left no files.",
      resolve: async (session, _args, context) => {
        if (!isSessionEnded(session.status)) return null;
        const { services } = context;
        const hasFiles = await services.prisma.sessionFile.findFirst({ where: { sessionId: session.id }, select: { path: true } });
        if (!hasFiles) return null;
        const expiresAt = Math.floor(Date.now() / 1000) + VERSION_PREVIEW_TTL_S;
        return previewUrlFor(services.config.previewUrl, services.secret, { projectId: session.projectId, mode: session.mode === 'live' ? 'live' : 'test', expiresAt, sessionId: session.id });
      },
    }),
    files: t.field({
      type: [ProjectFileRef],
      description: 'The files as this session left them (empty until it ends).',
      resolve: (session, _args, context) =>
        context.services.prisma.sessionFile.findMany({ where: { sessionId: session.id }, select: { path: true, sha: true, size: true }, orderBy: { path: 'asc' } }),
    }),
    events: t.connection({
      type: SessionEventRef,
      description: 'The event log, oldest first.',
      resolve: async (session, args, context) => {
        const after = args.after ? decodeSeqCursor(args.after) : 0;
        const first = args.first ?? 20;
        const rows = await readEvents(context.services.prisma, session.id, after, first + 1);
        const page = rows.slice(0, first);
        return {
          edges: page.map((event) => ({ cursor: encodeSeqCursor(event.seq), node: event })),
          pageInfo: {
            hasNextPage: rows.length > first,
            hasPreviousPage: after > 0,
            startCursor: page[0] ? encodeSeqCursor(page[0].seq) : null,
            endCursor: page.at(-1) ? encodeSeqCursor(page.at(-1)!.seq) : null,
          },
        };
      },
    }),
  }),
});

/** Keeps the open-subscriptions gauge while a stream is open. */
async function* counted<T>(gauge: { inc(): void; dec(): void }, stream: AsyncGenerator<T>): AsyncGenerator<T> {
  gauge.inc();
  try {
    yield* stream;
  } finally {
    gauge.dec();
  }
}

const encodeSeqCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');
function decodeSeqCursor(cursor: string): number {
  const match = /^seq:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ValidationError('`after` is not a cursor of this list', { argument: 'after' });
  return Number(match[1]);
}

builder.objectField(ProjectRef, 'sessions', (t) =>
  t.connection({
    type: SessionRef,
    description: "The project's sessions, newest first.",
    resolve: (project, args, context) =>
      paginateById('Session', args, (page) =>
        context.services.prisma.session.findMany({
          where: { AND: [{ projectId: project.id }, visibleSessions(context)], id: page.idFilter },
          take: page.take,
          orderBy: page.orderBy,
        }),
      ),
  }),
);

const SESSION_STATUSES = [...SESSION_OPEN_STATUSES, ...SESSION_END_STATUSES] as const satisfies readonly SessionStatus[];
const SESSION_KINDS = ['generate', 'preview', 'export', 'deploy', 'import'] as const satisfies readonly SessionKind[];

const SessionFilterInput = builder.inputType('SessionFilter', {
  description: 'Narrows the tenant-wide session list; every given field must match.',
  fields: (t) => ({
    status: t.stringList({ required: false, validate: z.array(z.enum(SESSION_STATUSES)).max(SESSION_STATUSES.length), description: `Any of: ${SESSION_STATUSES.join(', ')}.` }),
    kind: t.stringList({ required: false, validate: z.array(z.enum(SESSION_KINDS)).max(SESSION_KINDS.length), description: `Any of: ${SESSION_KINDS.join(', ')}.` }),
    projectId: t.id({ required: false }),
    externalUserId: t.string({ required: false, validate: z.string().max(200, 'must be at most 200 characters') }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Created at or after this time.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Created before this time.' }),
    search: t.string({
      required: false,
      validate: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
      description: "Words in the prompt or the project's name (case-insensitive), or a session's id.",
    }),
  }),
});

/** The `where` of a session filter (inside the caller's visibility). */
function sessionFilterWhere(filter: typeof SessionFilterInput.$inferInput | null | undefined): Prisma.SessionWhereInput[] {
  if (!filter) return [];
  const where: Prisma.SessionWhereInput[] = [];
  if (filter.status?.length) where.push({ status: { in: filter.status as SessionStatus[] } });
  if (filter.kind?.length) where.push({ kind: { in: filter.kind as SessionKind[] } });
  if (filter.projectId != null) {
    const projectId = safeDecodeId('Project', String(filter.projectId));
    if (!projectId) throw new ValidationError('filter.projectId is not a project id', { argument: 'filter.projectId' });
    where.push({ projectId });
  }
  if (filter.externalUserId != null) where.push({ externalUserId: filter.externalUserId });
  if (filter.createdAfter) where.push({ createdAt: { gte: filter.createdAfter } });
  if (filter.createdBefore) where.push({ createdAt: { lt: filter.createdBefore } });
  if (filter.search) {
    const text = filter.search.trim();
    const sessionId = safeDecodeId('Session', text);
    where.push({
      OR: [
        { prompt: { contains: text, mode: 'insensitive' } },
        { project: { name: { contains: text, mode: 'insensitive' } } },
        ...(sessionId ? [{ id: sessionId }] : []),
      ],
    });
  }
  return where;
}

function safeDecodeId(typename: string, globalId: string): string | null {
  try {
    return decodeIdOf(typename, globalId);
  } catch {
    return null;
  }
}

builder.queryField('sessions', (t) =>
  t.connection({
    type: SessionRef,
    description: "The tenant's sessions of this mode across its projects, newest first; narrow them with `filter`. Needs `sessions:read`.",
    args: { filter: t.arg({ type: SessionFilterInput, required: false }) },
    resolve: (_root, args, context) => {
      requireScope(context.caller, 'sessions:read');
      const where = [visibleSessions(context), ...sessionFilterWhere(args.filter)];
      return paginateById('Session', args, (page) =>
        context.services.prisma.session.findMany({ where: { AND: where, id: page.idFilter }, take: page.take, orderBy: page.orderBy }),
      );
    },
  }),
);

const AttachmentInputRef = builder.inputType('SessionAttachmentInput', {
  description: 'One image: exactly one of `data` or `url`.',
  fields: (t) => ({
    data: t.string({ required: false, description: 'The image, base64 (or a `data:image/…;base64,` URL). Its type is read from its bytes.' }),
    url: t.string({
      required: false,
      description: 'An https URL the worker fetches when the session runs, from public addresses only; one that is private or cannot be fetched fails the session (ATTACHMENT_URL_REFUSED, ATTACHMENT_UNREACHABLE, …).',
    }),
  }),
});

const StartSessionInput = builder.inputType('StartSessionInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    prompt: t.string({ required: false, description: 'What to build or change (at most 20,000 characters by default). Required unless `fixPreviewErrors` is set.' }),
    fixPreviewErrors: t.boolean({
      required: false,
      description:
        "Repair the app from the errors its preview's browsers reported (`Project.previewErrors`): the model gets them with the files involved; `prompt`, if given, is added. BAD_USER_INPUT when the project has none.",
    }),
    maxOutputTokens: t.int({
      required: false,
      description: 'An output budget for the whole session: past it the model is stopped and the session ends `failed` with `BUDGET_EXCEEDED`; what it wrote stays.',
      validate: z.number().int().min(1).max(1_000_000),
    }),
    model: t.string({ required: false, description: "The model to use: one of the tenant's `generation.availableModels` (another is BAD_USER_INPUT). Default: the tenant's default model, else the platform's." }),
    attachments: t.field({
      type: [AttachmentInputRef],
      required: false,
      description: 'At most 5 images (PNG, JPEG, WebP or GIF, at most 5 MB each) the model sees with the prompt, stored with the session so a retry sees them too.',
    }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});

/** The longest answer an end user may give (the length of a prompt would be too much for one reply). */
const MAX_ANSWER_CHARS = 4_000;

const AnswerSessionInput = builder.inputType('AnswerSessionInput', {
  fields: (t) => ({
    sessionId: t.id({ required: true }),
    answer: t.string({
      required: true,
      description: `The end user's answer (one of the question's \`choices\`, or free text); at most ${MAX_ANSWER_CHARS.toLocaleString('en')} characters.`,
      validate: z.string().trim().min(1, 'must not be empty').max(MAX_ANSWER_CHARS),
    }),
  }),
});

const SessionIdInput = builder.inputType('CancelSessionInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const RestoreSnapshotInput = builder.inputType('RestoreSnapshotInput', { fields: (t) => ({ sessionId: t.id({ required: true }) }) });

builder.queryField('session', (t) =>
  t.prismaField({
    type: 'Session',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, context) => {
      requireScope(context.caller, 'sessions:read');
      const session = await findVisibleSession(context, String(args.id));
      return context.services.prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
);

builder.mutationFields((t) => ({
  startSession: t.prismaField({
    type: 'Session',
    description:
      'Starts a generation on a project and returns at once; follow it with `sessionEvents`. The session, its first event and its job are written in one transaction.',
    args: { input: t.arg({ type: StartSessionInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      const { prisma, pubsub, config } = context.services;
      const asked = input.prompt?.trim() ?? '';
      if (!asked && !input.fixPreviewErrors) throw new ValidationError('input.prompt: must not be empty', { issues: [{ path: ['input', 'prompt'], message: 'must not be empty' }] });
      if (asked.length > config.limits.promptMaxChars) {
        throw new ValidationError(`input.prompt: must be at most ${config.limits.promptMaxChars} characters (got ${asked.length})`, {
          issues: [{ path: ['input', 'prompt'], message: `at most ${config.limits.promptMaxChars} characters` }],
        });
      }
      const { tenant } = context.caller;
      const model = input.model?.trim() || null;
      if (model) {
        const allowed = modelsAllowedFor(tenant, config);
        if (!allowed.includes(model)) {
          throw new ValidationError(`input.model: "${model.slice(0, 100)}" is not one of this tenant's models (${allowed.join(', ')})`, {
            issues: [{ path: ['input', 'model'], message: `must be one of ${allowed.join(', ')}` }],
          });
        }
      }
      const attachments = parseSessionAttachments(input.attachments, { allowPrivate: config.webhooks.allowPrivateTargets });
      const project = await findVisibleProject(context, String(input.projectId));
      const prompt = input.fixPreviewErrors ? await previewRepairPrompt(prisma, project.id, asked) : asked;
      const session = await startSessionWithJob(context, {
        kind: 'generate',
        project,
        prompt,
        operation: 'startSession',
        idempotencyKey: input.idempotencyKey,
        idempotencyInput: {
          projectId: project.id,
          prompt: asked,
          ...(input.fixPreviewErrors ? { fixPreviewErrors: true } : {}),
          maxOutputTokens: input.maxOutputTokens ?? null,
          ...(model ? { model } : {}),
          ...(attachments.length ? { attachments: attachmentsFingerprint(attachments) } : {}),
        },
        maxOutputTokens: input.maxOutputTokens ?? null,
        requestedModel: model,
        // Test mode never uses a live credential: it runs the offline generator.
        byok: context.caller.mode === 'live' && tenant.anthropicApiKeyEncrypted != null,
        attachments,
      });
      // The row just written answers a selection of its own fields; relations asked for need the query.
      return hasRelations(query) ? prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } }) : session;
    },
  }),
  cancelSession: t.prismaField({
    type: 'Session',
    description: 'Stops a session at once (it ends as cancelled within about 2 s). Cancelling an ended session changes nothing.',
    args: { input: t.arg({ type: SessionIdInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      const { prisma, pubsub } = context.services;
      const session = await findVisibleSession(context, String(input.id));
      if (!isSessionEnded(session.status)) {
        // The flag first: a worker that claims the job from here on sees it when it starts.
        await prisma.session.update({ where: { id: session.id }, data: { cancelRequestedAt: new Date() } });
        // Not yet taken by a worker: end it here. Otherwise its worker hears the cancel and ends it.
        const done = await cancelUnclaimedSession(prisma, session.id);
        if (done) await publishEvents(pubsub, [done]).catch(() => undefined);
        // Unheard (Redis down), the worker's heartbeat reads the flag within EVERJUST_JOB_HEARTBEAT_MS.
        else await pubsub.publish(sessionCancelChannel, session.id).catch(() => undefined);
      }
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  answerSession: t.prismaField({
    type: 'Session',
    description:
      'Answers the question a session waits on (`waiting_for_input`, see `pendingQuestion` and the `question` event): the session is queued again and the model continues where it stopped, with the answer. ' +
      'A session that is not waiting is BAD_USER_INPUT; of two answers at once exactly one is taken, the other is BAD_USER_INPUT. Widget tokens may answer their own sessions.',
    args: { input: t.arg({ type: AnswerSessionInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      const { prisma, pubsub } = context.services;
      const session = await findVisibleSession(context, String(input.sessionId));
      const question = session.pendingQuestion as PendingQuestion | null;
      const answered = session.status === 'waiting_for_input' && question ? await answerWaitingSession(prisma, session.id, question.toolCallId, input.answer.trim()) : null;
      if (!answered) {
        // Re-read: the other answer (or a cancel, or the expiry) that won says what the session is now.
        const now = await prisma.session.findUniqueOrThrow({ where: { id: session.id }, select: { status: true } });
        throw new ValidationError(`This session is not waiting for an answer (its status is ${now.status})`, { argument: 'sessionId', status: now.status });
      }
      await publishEvents(pubsub, [answered]).catch(() => undefined);
      // Idle workers claim it now rather than at their next poll.
      await pubsub.publish(jobsReadyChannel, session.id).catch(() => undefined);
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  restoreSnapshot: t.prismaField({
    type: 'Project',
    description: "Puts the project's files back as the given session left them. A widget token may restore its own sessions' snapshots (sessions:write).",
    args: { input: t.arg({ type: RestoreSnapshotInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      // A widget token sees only its end user's sessions of its project (findVisibleSession): going back
      // to one of its own versions is as much its business as starting the session that made it.
      requireScope(context.caller, context.caller.widget ? 'sessions:write' : 'projects:write');
      const session = await findVisibleSession(context, String(input.sessionId));
      if (!isSessionEnded(session.status)) {
        throw new ValidationError('This session has not ended yet: it has no snapshot to restore');
      }
      const { prisma } = context.services;
      await prisma.$transaction((tx) => restoreSessionFiles(tx, session.id, session.projectId));
      return prisma.project.update({ ...query, where: { id: session.projectId }, data: { updatedAt: new Date() } });
    },
  }),
}));

builder.subscriptionField('sessionEvents', (t) =>
  t.field({
    type: SessionEventRef,
    description:
      'The events of a session after `afterSeq`: replayed from the log, then live, with no gap and no duplicate; completes after `done`. A stream that ends without completing means: resume with the last seq you saw.',
    args: {
      sessionId: t.arg.id({ required: true }),
      afterSeq: t.arg.int({ required: false, defaultValue: 0, validate: z.number().int().min(0) }),
    },
    subscribe: async (_root, args, context) => {
      requireScope(context.caller, 'sessions:read');
      const session = await findVisibleSession(context, String(args.sessionId));
      return counted(
        context.services.metrics.openSubscriptions,
        streamSessionEvents({
          prisma: context.services.prisma,
          pubsub: context.services.pubsub,
          sessionId: session.id,
          // Read before the replay: enough to tell that a resume after the end has nothing to follow.
          before: { status: session.status, lastSeq: session.lastSeq },
          afterSeq: args.afterSeq ?? 0,
          pollIntervalMs: context.services.config.events.pollIntervalMs,
          signal: (context as { request?: Request }).request?.signal,
        }),
      );
    },
    resolve: (event) => event,
  }),
);

