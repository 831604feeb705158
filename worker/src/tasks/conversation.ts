import { readProjectFiles, type PrismaClient, type Session } from '@everjust/core';
import type { LlmMessage } from '../llm/llm-provider.js';

/** How many earlier prompts of the project the model sees, oldest dropped first. */
const EARLIER_PROMPTS = 10;
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export interface Conversation {
  system: string;
  messages: LlmMessage[];
}

/**
 * What the model sees: the project's files (in full while they fit the context budget; the rest by
 * name, to be read with `read_file`), its earlier prompts, and the new one, so a user can iterate.
 */
export async function buildConversation(prisma: PrismaClient, session: Session, contextTokens: number): Promise<Conversation> {
  const files = await readProjectFiles(prisma, session.projectId);
  const earlier = await prisma.session.findMany({
    where: { projectId: session.projectId, kind: 'generate', id: { lt: session.id }, status: 'succeeded' },
    orderBy: { id: 'desc' },
    take: EARLIER_PROMPTS,
    select: { prompt: true },
  });

  let budget = contextTokens;
  const shown: string[] = [];
  const listed: string[] = [];
  for (const file of files) {
    const cost = estimateTokens(file.content) + 20;
    if (cost <= budget) {
      budget -= cost;
      shown.push(`<file path="${file.path}">\n${file.content}\n</file>`);
    } else {
      listed.push(`${file.path} (${file.size} bytes; read it with read_file)`);
    }
  }

  const system = [
    'You are EverJust, an assistant that builds small web apps inside a project.',
    'Make the changes the user asks for with the tools: write_file writes a whole file, delete_file removes one, read_file and list_files look around.',
    'Prefer plain HTML, CSS and JavaScript that run without a build step or network access, with index.html at the project root.',
    'When you are done, reply with a short summary of what you changed.',
    files.length === 0
      ? 'The project has no files yet.'
      : `The project has ${files.length} file(s).${shown.length ? `\nFiles:\n${shown.join('\n')}` : ''}${listed.length ? `\nOther files:\n${listed.join('\n')}` : ''}`,
  ].join('\n\n');

  const messages: LlmMessage[] = [];
  for (const { prompt } of earlier.reverse()) {
    messages.push({ role: 'user', content: [{ type: 'text', text: prompt }] });
    messages.push({ role: 'assistant', content: [{ type: 'text', text: 'Done: the project files now reflect this request.' }] });
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: session.prompt }] });
  return { system, messages };
}
