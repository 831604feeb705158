import {
  openSecret,
  readSessionAttachments,
  resolveSecret,
  SEALED_CONTEXTS,
  SecretBoxError,
  storeFetchedAttachment,
  type AttachmentMediaType,
} from '@everjust/core';
import { systemResolver, type TargetPolicy } from '../webhooks/target-guard.js';
import { fetchAttachment } from './fetch-attachment.js';
import { TaskError, type TaskContext } from './task.js';

/** What a generation runs with, beyond its prompt: the integrator's settings and the session's own. */
export interface GenerationOptions {
  /** The model id to ask for (`claude-…`); absent: the provider's configured default. */
  model?: string;
  /** The tenant's own Anthropic key (BYOK); absent: the platform's. Never log it or put it in an event. */
  apiKey?: string;
  /** The tenant's instructions, appended to the system prompt (≤ 10,000 characters). */
  instructions?: string;
  /** Images given to startSession, in order, base64. */
  attachments: Array<{ mediaType: AttachmentMediaType; data: string }>;
  /** The session's output budget in tokens: past it the run stops with BUDGET_EXCEEDED. */
  maxOutputTokens?: number;
  /** Whether `apiKey` is the tenant's own: its tokens are billed to the tenant by Anthropic. */
  byok: boolean;
  /** The tenant lets the model ask its end users questions (`generation.allowQuestions`): ask_user is offered. */
  allowQuestions: boolean;
}

/**
 * Reads a session's generation options: its model and output budget (fixed at start), the tenant's
 * instructions and its sealed Anthropic key (opened here, only in live mode: test mode always runs the
 * offline generator and never uses a live credential), and the stored attachments — fetching, on the
 * first attempt, those given by URL (through the webhook SSRF guard) and storing their bytes, so a retry
 * sees the same images. It also tells the session writer which model and key this attempt uses, so
 * usage is priced and marked `byok`, and records both on the session.
 */
export async function loadGenerationOptions(context: TaskContext, policy?: TargetPolicy): Promise<GenerationOptions> {
  const { prisma, session, config, writer } = context;
  const tenant = await prisma.tenant.findUniqueOrThrow({
    where: { id: session.tenantId },
    select: { generationInstructions: true, defaultModel: true, anthropicApiKeyEncrypted: true, allowQuestions: true },
  });
  const model = session.requestedModel ?? tenant.defaultModel ?? undefined;
  const live = session.mode === 'live';
  let apiKey: string | undefined;
  if (live && tenant.anthropicApiKeyEncrypted) {
    try {
      apiKey = openSecret(resolveSecret(config), tenant.anthropicApiKeyEncrypted, SEALED_CONTEXTS.tenantAnthropicKey(session.tenantId));
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new TaskError('MODEL_AUTH_FAILED', "The tenant's Anthropic key cannot be decrypted (was EVERJUST_SECRET changed?); set it again with updateTenant", false);
    }
  }
  const attachments = await loadAttachments(context, policy ?? { resolver: systemResolver, allowPrivate: config.webhooks.allowPrivateTargets });
  const byok = apiKey !== undefined;
  // A tenant's own key always goes to Claude, even on a platform without a key of its own.
  const claude = live && (byok || context.llm.name === 'anthropic');
  const served = claude ? (model ?? (context.llm.name === 'anthropic' ? context.llm.model : config.anthropic.model)) : null;
  writer.useBilling({ model: live ? (served ?? model ?? context.llm.model) : null, byok });
  const servedName = served ? `anthropic/${served}` : session.model;
  if (session.byok !== byok || session.model !== servedName) {
    await prisma.session.update({ where: { id: session.id }, data: { byok, model: servedName } });
  }
  return {
    ...(model ? { model } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(tenant.generationInstructions ? { instructions: tenant.generationInstructions } : {}),
    attachments,
    ...(session.maxOutputTokens != null ? { maxOutputTokens: session.maxOutputTokens } : {}),
    byok,
    allowQuestions: tenant.allowQuestions,
  };
}

/** The session's images in order; those given by URL and not fetched yet are fetched and stored now. */
async function loadAttachments(context: TaskContext, policy: TargetPolicy): Promise<GenerationOptions['attachments']> {
  const { prisma, session, signal } = context;
  const images: GenerationOptions['attachments'] = [];
  for (const stored of await readSessionAttachments(prisma, session.id)) {
    if (stored.data !== null && stored.mediaType !== null) {
      images.push({ mediaType: stored.mediaType, data: stored.data });
      continue;
    }
    const image = await fetchAttachment(stored.sourceUrl ?? '', { position: stored.position, policy, signal });
    // Not fenced: the first fetch wins (only an empty row is filled), and a later attempt reads that.
    await storeFetchedAttachment(prisma, session.id, stored.position, image);
    images.push(image);
  }
  return images;
}
