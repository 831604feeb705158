import { encodeId, type DeploymentStep, type PreviewCheckError, type SessionEvent, type SessionEventPayloads, type SessionEventType } from '@everjust/core';
import { builder } from './builder.js';

/**
 * One GraphQL object type per event kind, behind the `SessionEvent` interface (seq, type, at). The
 * kinds and their payloads are defined once, in core.
 */
export const SessionEventRef = builder.interfaceRef<SessionEvent>('SessionEvent').implement({
  description: 'One step of a session. `seq` is unique and gap-free per session: resume a stream with `afterSeq`.',
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    type: t.exposeString('type', { description: 'The event kind: status, text_delta, file_written, …, done.' }),
    at: t.field({ type: 'DateTime', resolve: (event) => new Date(event.at) }),
  }),
  resolveType: (event) => EVENT_TYPE_NAMES[event.type],
});

const EVENT_TYPE_NAMES: Record<SessionEventType, string> = {
  status: 'StatusEvent',
  text_delta: 'TextDeltaEvent',
  file_written: 'FileWrittenEvent',
  file_deleted: 'FileDeletedEvent',
  command_started: 'CommandStartedEvent',
  command_output: 'CommandOutputEvent',
  command_finished: 'CommandFinishedEvent',
  sandbox_created: 'SandboxCreatedEvent',
  preview_ready: 'PreviewReadyEvent',
  preview_failed: 'PreviewFailedEvent',
  preview_error: 'PreviewErrorEvent',
  preview_checked: 'PreviewCheckedEvent',
  repair_started: 'RepairStartedEvent',
  usage: 'UsageEvent',
  error: 'ErrorEvent',
  question: 'QuestionEvent',
  deploy_started: 'DeployStartedEvent',
  deploy_progress: 'DeployProgressEvent',
  deploy_ready: 'DeployReadyEvent',
  deploy_failed: 'DeployFailedEvent',
  done: 'DoneEvent',
};

export const UsageRef = builder
  .objectRef<{
    inputTokens: number;
    outputTokens: number;
    sandboxSeconds: number;
    cacheWriteTokens?: number;
    cacheReadTokens?: number;
    costMicros?: number;
    billable?: boolean;
    byok?: boolean;
  }>('SessionUsage')
  .implement({
    fields: (t) => ({
      inputTokens: t.exposeInt('inputTokens'),
      outputTokens: t.exposeInt('outputTokens'),
      // Absent from sessions recorded before they existed: read as 0 (and as billable, not BYOK).
      cacheWriteTokens: t.int({ resolve: (usage) => usage.cacheWriteTokens ?? 0, description: 'Input tokens written to the prompt cache.' }),
      cacheReadTokens: t.int({ resolve: (usage) => usage.cacheReadTokens ?? 0, description: 'Input tokens read from the prompt cache.' }),
      sandboxSeconds: t.exposeFloat('sandboxSeconds'),
      costMicros: t.float({ resolve: (usage) => usage.costMicros ?? 0, description: 'What the model tokens cost at list price, in micro-USD.' }),
      billable: t.boolean({ resolve: (usage) => usage.billable ?? true, description: 'False when the session failed through our fault: recorded, not billed.' }),
      byok: t.boolean({ resolve: (usage) => usage.byok ?? false, description: 'Ran on your own Anthropic key.' }),
    }),
  });

export const ErrorInfoRef = builder.objectRef<{ code: string; message: string }>('SessionError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

type EventFields = Parameters<Parameters<ReturnType<typeof builder.objectRef<SessionEvent>>['implement']>[0]['fields'] & {}>[0];

function eventType(type: SessionEventType, description: string, fields: (t: EventFields) => Record<string, unknown>) {
  return builder.objectRef<SessionEvent>(EVENT_TYPE_NAMES[type]).implement({
    description,
    interfaces: [SessionEventRef],
    isTypeOf: (event) => (event as SessionEvent).type === type,
    fields: fields as never,
  });
}

/** The payload of an event of a known kind (the object type already matched the kind). */
const p = <Type extends SessionEventType>(event: SessionEvent) => event.payload as SessionEventPayloads[Type];

eventType('status', 'The session moved on: queued, running, or a step within it.', (t) => ({
  status: t.string({ resolve: (event) => p<'status'>(event).status }),
  step: t.string({ nullable: true, resolve: (event) => p<'status'>(event).step ?? null }),
  message: t.string({ nullable: true, resolve: (event) => p<'status'>(event).message ?? null }),
}));
eventType('text_delta', "The model's text (deltas are coalesced, at most one every 50 ms).", (t) => ({
  text: t.string({ resolve: (event) => p<'text_delta'>(event).text }),
}));
eventType('file_written', 'A file of the project was written.', (t) => ({
  path: t.string({ resolve: (event) => p<'file_written'>(event).path }),
  size: t.int({ resolve: (event) => p<'file_written'>(event).size }),
  sha: t.string({ resolve: (event) => p<'file_written'>(event).sha }),
}));
eventType('file_deleted', 'A file of the project was deleted.', (t) => ({
  path: t.string({ resolve: (event) => p<'file_deleted'>(event).path }),
}));
eventType('command_started', 'A command started in the sandbox.', (t) => ({
  commandId: t.string({ resolve: (event) => p<'command_started'>(event).commandId }),
  command: t.string({ resolve: (event) => p<'command_started'>(event).command }),
}));
eventType('command_output', 'Output of a running command, as it streams.', (t) => ({
  commandId: t.string({ resolve: (event) => p<'command_output'>(event).commandId }),
  stream: t.string({ resolve: (event) => p<'command_output'>(event).stream }),
  text: t.string({ resolve: (event) => p<'command_output'>(event).text }),
}));
eventType('command_finished', 'A command ended.', (t) => ({
  commandId: t.string({ resolve: (event) => p<'command_finished'>(event).commandId }),
  exitCode: t.int({ nullable: true, resolve: (event) => p<'command_finished'>(event).exitCode }),
  durationMs: t.int({ resolve: (event) => p<'command_finished'>(event).durationMs }),
  timedOut: t.boolean({ resolve: (event) => p<'command_finished'>(event).timedOut ?? false }),
}));
eventType('sandbox_created', 'A sandbox was made for the project.', (t) => ({
  sandboxId: t.string({ resolve: (event) => p<'sandbox_created'>(event).sandboxId }),
  provider: t.string({ resolve: (event) => p<'sandbox_created'>(event).provider }),
}));
eventType('preview_ready', 'The app runs: open `url` (in an iframe) until `expiresAt`.', (t) => ({
  url: t.string({ resolve: (event) => p<'preview_ready'>(event).url }),
  expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (event) => {
    const expiresAt = p<'preview_ready'>(event).expiresAt;
    return expiresAt ? new Date(expiresAt) : null;
  } }),
}));
eventType('preview_failed', 'The app could not be started; the session itself is not failed by it.', (t) => ({
  reason: t.string({ resolve: (event) => p<'preview_failed'>(event).reason }),
}));
eventType('preview_error', "The preview's browser reported an error (the first time it was seen during this session): also in `Project.previewErrors`.", (t) => ({
  kind: t.string({ description: 'error, unhandledrejection, console.error or resource.', resolve: (event) => p<'preview_error'>(event).kind }),
  message: t.string({ resolve: (event) => p<'preview_error'>(event).message }),
  source: t.string({ nullable: true, resolve: (event) => p<'preview_error'>(event).source }),
  line: t.int({ nullable: true, resolve: (event) => p<'preview_error'>(event).line }),
  column: t.int({ nullable: true, resolve: (event) => p<'preview_error'>(event).column }),
  stack: t.string({ nullable: true, resolve: (event) => p<'preview_error'>(event).stack }),
  page: t.string({ nullable: true, description: 'The path (and query) of the page, under the preview URL.', resolve: (event) => p<'preview_error'>(event).page }),
  fingerprint: t.string({ resolve: (event) => p<'preview_error'>(event).fingerprint }),
  count: t.int({ description: 'How often the project has seen this error so far.', resolve: (event) => p<'preview_error'>(event).count }),
}));
const PreviewCheckErrorRef = builder.objectRef<PreviewCheckError>('PreviewCheckError').implement({
  description: 'An error the preview check saw while the page loaded.',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'error (uncaught), console.error or request (a failed or 4xx/5xx load).' }),
    message: t.exposeString('message'),
    source: t.string({ nullable: true, description: 'A path under the preview URL, or the URL of another origin.', resolve: (error) => error.source ?? null }),
    line: t.int({ nullable: true, resolve: (error) => error.line ?? null }),
  }),
});
eventType('preview_checked', 'The preview step loaded the preview in a headless browser (EVERJUST_BROWSER): the errors it saw (none: a clean load) and a signed, expiring link to its screenshot (PNG).', (t) => ({
  errors: t.field({ type: [PreviewCheckErrorRef], resolve: (event) => p<'preview_checked'>(event).errors }),
  screenshotUrl: t.string({ description: 'Expires after an hour; `Session.screenshotUrl` gives a fresh one.', resolve: (event) => p<'preview_checked'>(event).screenshotUrl }),
}));
eventType('repair_started', "The preview check found errors: the model gets them, with the files involved, to repair the app (round 1 up to the tenant's `generation.autoRepairRounds`); a new preview and check follow.", (t) => ({
  round: t.int({ resolve: (event) => p<'repair_started'>(event).round }),
  errors: t.field({ type: [PreviewCheckErrorRef], resolve: (event) => p<'repair_started'>(event).errors }),
}));
eventType('usage', 'Usage so far (running totals).', (t) => ({
  usage: t.field({ type: UsageRef, resolve: (event) => p<'usage'>(event) }),
}));
eventType('error', 'Something went wrong; `retryable` errors are retried by the platform.', (t) => ({
  code: t.string({ resolve: (event) => p<'error'>(event).code }),
  message: t.string({ resolve: (event) => p<'error'>(event).message }),
  retryable: t.boolean({ resolve: (event) => p<'error'>(event).retryable ?? false }),
}));
eventType('question', "The model asks the end user a question: the session waits (`waiting_for_input`, holding no worker) until `answerSession`, at most until `expiresAt`.", (t) => ({
  question: t.string({ resolve: (event) => p<'question'>(event).question }),
  choices: t.stringList({ description: 'Answers to offer as buttons; empty: a free answer.', resolve: (event) => p<'question'>(event).choices }),
  askedAt: t.field({ type: 'DateTime', resolve: (event) => new Date(p<'question'>(event).askedAt) }),
  expiresAt: t.field({ type: 'DateTime', description: 'Unanswered by then, the session ends cancelled (QUESTION_EXPIRED).', resolve: (event) => new Date(p<'question'>(event).expiresAt) }),
}));

export const DeploymentStepRef = builder.objectRef<DeploymentStep>('DeploymentStep').implement({
  description: "One of a deployment's progress steps (App Platform's: build, deploy).",
  fields: (t) => ({
    name: t.exposeString('name'),
    status: t.exposeString('status', { description: 'PENDING, RUNNING, SUCCESS, ERROR or CANCELED.' }),
    reason: t.string({ nullable: true, resolve: (step) => step.reason ?? null }),
  }),
});

eventType('deploy_started', 'A deploy began: the kind of app (detected, or as the input said), the repository and commit it deploys.', (t) => ({
  deploymentId: t.id({ resolve: (event) => encodeId('Deployment', p<'deploy_started'>(event).deploymentId) }),
  provider: t.string({ description: '`app-platform`, or `simulated` in test mode.', resolve: (event) => p<'deploy_started'>(event).provider }),
  appKind: t.string({ description: '`static_site` or `service`.', resolve: (event) => p<'deploy_started'>(event).appKind }),
  detected: t.boolean({ description: 'False when the input chose the kind.', resolve: (event) => p<'deploy_started'>(event).detected }),
  repository: t.string({ nullable: true, resolve: (event) => p<'deploy_started'>(event).repository }),
  commitSha: t.string({ nullable: true, resolve: (event) => p<'deploy_started'>(event).commitSha }),
}));
eventType('deploy_progress', 'The deployment moved on: its phase and steps (polled at most every 2 s).', (t) => ({
  deploymentId: t.id({ resolve: (event) => encodeId('Deployment', p<'deploy_progress'>(event).deploymentId) }),
  phase: t.string({ resolve: (event) => p<'deploy_progress'>(event).phase }),
  steps: t.field({ type: [DeploymentStepRef], resolve: (event) => p<'deploy_progress'>(event).steps }),
}));
eventType('deploy_ready', 'The deployment is live at `url`, the app\'s stable URL.', (t) => ({
  deploymentId: t.id({ resolve: (event) => encodeId('Deployment', p<'deploy_ready'>(event).deploymentId) }),
  url: t.string({ resolve: (event) => p<'deploy_ready'>(event).url }),
}));
eventType('deploy_failed', 'The deployment ended without going live: the phase where it stopped and the end of its log.', (t) => ({
  deploymentId: t.id({ resolve: (event) => encodeId('Deployment', p<'deploy_failed'>(event).deploymentId) }),
  phase: t.string({ resolve: (event) => p<'deploy_failed'>(event).phase }),
  log: t.string({ resolve: (event) => p<'deploy_failed'>(event).log }),
}));
eventType('done', 'The last event of every session: its final status and usage.', (t) => ({
  status: t.string({ resolve: (event) => p<'done'>(event).status }),
  usage: t.field({ type: UsageRef, resolve: (event) => p<'done'>(event).usage }),
  error: t.field({ type: ErrorInfoRef, nullable: true, resolve: (event) => p<'done'>(event).error ?? null }),
  result: t.field({ type: 'JSONObject', nullable: true, resolve: (event) => p<'done'>(event).result ?? null }),
}));
