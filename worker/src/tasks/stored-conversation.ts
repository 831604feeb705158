import { appendSessionMessagesFenced, readEvents, readSessionMessages, type Lease, type PendingQuestion, type PrismaClient } from '@everjust/core';
import type { LlmContentBlock, LlmMessage } from '../llm/llm-provider.js';
import { ASK_USER_TOOL_NAME, askUserInput } from '../tools/ask-user-tool.js';

/**
 * A session's conversation as stored so far (session_messages), read back when its job resumes: after
 * an answer, a worker crash or a lost lease, the model continues from the last round that was stored
 * instead of starting again.
 */
export interface StoredConversation {
  /** The stored messages, with consecutive messages of one role joined (an answer after the other results of its round). */
  messages: LlmMessage[];
  /** Model rounds already done (stored assistant messages). */
  rounds: number;
  /**
   * Text already in the event log from a round that was not stored (the attempt that streamed it
   * died): the resumed round's text is not written again while it repeats this.
   */
  emittedText: string;
}

/** Reads what the session's earlier attempts stored, and the text they wrote after the last stored round. */
export async function loadStoredConversation(prisma: PrismaClient, sessionId: string): Promise<StoredConversation> {
  const stored = await readSessionMessages(prisma, sessionId);
  const messages: LlmMessage[] = [];
  for (const message of stored) {
    const content = message.content as LlmContentBlock[];
    const last = messages.at(-1);
    if (last && last.role === message.role) last.content = [...last.content, ...content];
    else messages.push({ role: message.role, content: [...content] });
  }
  const mark = stored.reduce((seq, message) => Math.max(seq, message.eventSeq), 0);
  let emittedText = '';
  for (let after = mark; ; ) {
    const events = await readEvents(prisma, sessionId, after, 500);
    for (const event of events) if (event.type === 'text_delta') emittedText += event.payload.text;
    if (events.length < 500) break;
    after = events.at(-1)!.seq;
  }
  return { messages, rounds: messages.filter((message) => message.role === 'assistant').length, emittedText };
}

/** Stores messages of a finished round at the end of the session's conversation, only while the lease is held. */
export function storeMessages(prisma: PrismaClient, sessionId: string, lease: Lease, messages: LlmMessage[]): Promise<void> {
  // Images are not stored here: the prompt's own are stored with the session and rebuilt each attempt.
  return appendSessionMessagesFenced(prisma, sessionId, lease, messages.filter((message) => message.content.length > 0));
}

/**
 * The question the stored conversation still waits on: an ask_user call of the last assistant message
 * with no result yet (the attempt that asked died before it could say so). Null when there is none.
 */
export function unansweredQuestion(messages: LlmMessage[]): Omit<PendingQuestion, 'askedAt' | 'expiresAt'> | null {
  const index = messages.findLastIndex((message) => message.role === 'assistant');
  if (index === -1) return null;
  const answered = new Set(
    messages.slice(index + 1).flatMap((message) => message.content.flatMap((block) => (block.type === 'tool_result' ? [block.toolCallId] : []))),
  );
  for (const block of messages[index].content) {
    if (block.type !== 'tool_call' || block.name !== ASK_USER_TOOL_NAME || answered.has(block.id)) continue;
    const input = askUserInput.safeParse(block.input);
    if (input.success) return { toolCallId: block.id, question: input.data.question, choices: input.data.choices ?? [] };
  }
  return null;
}

/**
 * Text streamed again on resume, less what the log already shows: while the new text repeats what an
 * earlier attempt wrote, nothing is written; from where it differs, the rest is.
 */
export class RepeatFilter {
  constructor(private already: string) {}

  /** The part of `delta` the log does not show yet. */
  pass(delta: string): string {
    if (!this.already) return delta;
    let same = 0;
    while (same < delta.length && same < this.already.length && delta[same] === this.already[same]) same++;
    if (same === delta.length) {
      this.already = this.already.slice(same);
      return '';
    }
    this.already = ''; // it differs (a model is not deterministic): the rest is new text
    return delta.slice(same);
  }
}
