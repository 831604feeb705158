import { readProjectFiles, type PrismaClient, type Session } from '@everjust/core';
import type { LlmContentBlock, LlmImageMediaType, LlmMessage } from '../llm/llm-provider.js';
import { tenantInstructions } from '../llm/prompts/system-prompt.js';
import { conversationScope, readEarlierTurns } from './session-reply.js';

/** How many earlier prompts of the project are considered for the history, newest first. */
const EARLIER_SESSIONS = 20;
/** An earlier reply longer than this is cut: the files, not the prose, hold the work. */
const REPLY_CHARACTERS = 4_000;
/** Earlier prompts that no longer fit are kept as one line each, this long. */
const SUMMARY_PROMPT_CHARACTERS = 160;
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export interface Conversation {
  /** Our prompt (with the tenant's instructions), then the project's files: the most stable part first, for the prompt cache. */
  system: string[];
  messages: LlmMessage[];
}

export interface ConversationOptions {
  /** The token budget for the project's files shown in full; the rest are listed by name. */
  contextTokens: number;
  /** The token budget for earlier prompts and replies (default a fifth of `contextTokens`). */
  historyTokens?: number;
  systemPrompt: string;
  instructions?: string;
  /** Images that go with the new prompt. */
  attachments?: Array<{ mediaType: LlmImageMediaType; data: string }>;
}

/**
 * What the model sees: our system prompt; the project's files (in full while they fit the context budget,
 * the rest by name, to be read with a tool); the project's earlier prompts with the model's own replies to
 * them, so a user can iterate; and the new prompt with its images. History has a budget of its own: the
 * oldest turns beyond it are summarised as one line each, then dropped — the files never are.
 */
export async function buildConversation(prisma: PrismaClient, session: Session, options: ConversationOptions): Promise<Conversation> {
  const files = await readProjectFiles(prisma, session.projectId);
  const scope = await conversationScope(prisma, session.projectId, session.id);
  const earlier = await readEarlierTurns(prisma, { AND: [scope, { kind: 'generate', status: 'succeeded' }] }, EARLIER_SESSIONS);

  let budget = options.contextTokens;
  const shown: string[] = [];
  const listed: string[] = [];
  for (const file of files) {
    // A binary file (an imported image) is named, never shown: its base64 would only spend the budget.
    if (file.binary) {
      listed.push(`${file.path} (${file.size} bytes, binary)`);
      continue;
    }
    const cost = estimateTokens(file.content) + 20;
    if (cost <= budget) {
      budget -= cost;
      shown.push(`<file path="${file.path}">\n${file.content}\n</file>`);
    } else {
      listed.push(`${file.path} (${file.size} bytes; read it with read_file)`);
    }
  }
  const project =
    files.length === 0
      ? 'The project has no files yet.'
      : `The project has ${files.length} file(s); this is their current content.${shown.length ? `\n${shown.join('\n')}` : ''}${listed.length ? `\nOther files:\n${listed.join('\n')}` : ''}`;
  const head = [options.systemPrompt, tenantInstructions(options.instructions)].filter(Boolean).join('\n\n');

  return { system: [head, project], messages: [...buildHistory(earlier.reverse(), options.historyTokens ?? Math.floor(options.contextTokens / 5)), currentPrompt(session.prompt, options.attachments ?? [])] };
}

/** Earlier turns, oldest first, within `budget` tokens: the newest kept whole, the older summarised or dropped. */
export function buildHistory(turns: Array<{ prompt: string; reply: string | null }>, budget: number): LlmMessage[] {
  const kept: LlmMessage[][] = [];
  // Whole turns get three quarters at most, so older prompts still fit as summary lines.
  const summaryReserve = Math.floor(budget / 4);
  budget -= summaryReserve;
  let index = turns.length - 1;
  for (; index >= 0; index -= 1) {
    const { prompt, reply } = turns[index];
    const answer = reply?.trim() ? truncate(reply.trim(), REPLY_CHARACTERS) : '(No reply was recorded for this request; the files show what was done.)';
    const cost = estimateTokens(prompt) + estimateTokens(answer) + 10;
    if (cost > budget) break;
    budget -= cost;
    kept.unshift([text('user', prompt), text('assistant', answer)]);
  }
  budget += summaryReserve;
  const summary: string[] = [];
  for (; index >= 0; index -= 1) {
    const line = `- ${truncate(turns[index].prompt.replace(/\s+/g, ' ').trim(), SUMMARY_PROMPT_CHARACTERS)}`;
    const cost = estimateTokens(line);
    if (cost > budget) break; // older still: dropped
    budget -= cost;
    summary.unshift(line);
  }
  const messages = kept.flat();
  if (summary.length > 0) {
    messages.unshift(
      text('user', `Earlier requests in this project, summarised (oldest first; their results are in the files):\n${summary.join('\n')}`),
      text('assistant', 'Understood: those changes are already in the project files.'),
    );
  }
  return messages;
}

function currentPrompt(prompt: string, attachments: NonNullable<ConversationOptions['attachments']>): LlmMessage {
  // Images first, then the words about them: the order the model reads best.
  const images: LlmContentBlock[] = attachments.map((image) => ({ type: 'image', mediaType: image.mediaType, data: image.data }));
  return { role: 'user', content: [...images, { type: 'text', text: prompt }] };
}

function text(role: LlmMessage['role'], value: string): LlmMessage {
  return { role, content: [{ type: 'text', text: value }] };
}

function truncate(value: string, length: number): string {
  return value.length <= length ? value : `${value.slice(0, length - 1)}…`;
}
