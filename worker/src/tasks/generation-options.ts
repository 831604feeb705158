import { openSecret, readSessionAttachments, resolveSecret, SEALED_CONTEXTS, SecretBoxError, type AttachmentMediaType } from '@everjust/core';
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
}

/**
 * Reads a session's generation options: its model and output budget (fixed at start), the tenant's
 * instructions and its sealed Anthropic key (opened here, only in live mode: test mode always runs the
 * offline generator and never uses a live credential), and the stored attachments. It also tells the
 * session writer which model and key this attempt uses, so usage is priced and marked `byok`.
 */
export async function loadGenerationOptions(context: TaskContext): Promise<GenerationOptions> {
  const { prisma, session, config, writer } = context;
  const tenant = await prisma.tenant.findUniqueOrThrow({
    where: { id: session.tenantId },
    select: { generationInstructions: true, defaultModel: true, anthropicApiKeyEncrypted: true },
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
  const attachments = (await readSessionAttachments(prisma, session.id)).map(({ mediaType, data }) => ({ mediaType, data }));
  const byok = apiKey !== undefined;
  writer.useBilling({ model: live ? (model ?? context.llm.model) : null, byok });
  return {
    ...(model ? { model } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(tenant.generationInstructions ? { instructions: tenant.generationInstructions } : {}),
    attachments,
    ...(session.maxOutputTokens != null ? { maxOutputTokens: session.maxOutputTokens } : {}),
    byok,
  };
}
