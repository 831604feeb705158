import type { LlmContentBlock } from '../llm/llm-provider.js';
import { createCommandTool } from '../tools/command-tool.js';
import { createProjectTools, runTool, type Tool } from '../tools/project-tools.js';
import { buildConversation } from './conversation.js';
import { preview, sandboxRunner } from './preview.js';
import type { TaskContext, TaskHandler } from './task.js';

/** Tool rounds per generation: a model that keeps calling tools is stopped here. */
export const MAX_TOOL_ROUNDS = 20;
const MAX_OUTPUT_TOKENS = 16_000;

/**
 * The `generate` task, a pipeline: generate (the model streams, its tool calls become file edits and,
 * with a sandbox that runs things, commands), then preview (unless previews are off).
 */
export const generate: TaskHandler = async (context) => {
  const runner = context.sandbox ? sandboxRunner(context, context.sandbox) : undefined;
  await generateFiles(context, runner?.provider.canRunCommands ? [createCommandTool(runner)] : []);
  if (context.sandbox && runner) await preview(context, context.sandbox, runner);
  return {};
};

/** The `preview` task (`startPreview`): the preview step alone, on the project's current files. */
export const previewOnly: TaskHandler = async (context) => {
  if (context.sandbox) await preview(context, context.sandbox);
  else await context.writer.append({ type: 'preview_failed', payload: { reason: 'Previews are turned off on this platform (EVERJUST_SANDBOX=none)' } });
  return {};
};

async function generateFiles(context: TaskContext, extraTools: Tool[]): Promise<void> {
  const { prisma, session, writer, signal, config, llm } = context;
  await writer.append({ type: 'status', payload: { status: 'running', step: 'generating' } });
  const conversation = await buildConversation(prisma, session, config.generation.modelContextTokens);
  const tools: Tool[] = [...createProjectTools({ prisma, projectId: session.projectId, writer, limits: config.limits }), ...extraTools];
  const messages = [...conversation.messages];

  for (let round = 1; round <= MAX_TOOL_ROUNDS; round++) {
    const assistant: LlmContentBlock[] = [];
    let text = '';
    const calls: Array<{ id: string; name: string; input: unknown }> = [];
    for await (const part of llm.stream({
      system: conversation.system,
      messages,
      tools: tools.map((tool) => tool.definition),
      maxOutputTokens: MAX_OUTPUT_TOKENS,
      signal,
    })) {
      if (part.type === 'text-delta') {
        text += part.text;
        writer.text(part.text);
      } else if (part.type === 'tool-call') {
        calls.push(part);
      } else {
        writer.addUsage(part.usage);
      }
    }
    if (text) assistant.push({ type: 'text', text });
    for (const call of calls) assistant.push({ type: 'tool_call', id: call.id, name: call.name, input: call.input });
    messages.push({ role: 'assistant', content: assistant });
    await writer.append({ type: 'usage', payload: { ...writer.usage } });
    if (calls.length === 0) return;

    const results: LlmContentBlock[] = [];
    for (const call of calls) {
      signal.throwIfAborted();
      const outcome = await runTool(tools, call.name, call.input, signal);
      results.push({ type: 'tool_result', toolCallId: call.id, content: outcome.content, ...(outcome.isError ? { isError: true } : {}) });
    }
    messages.push({ role: 'user', content: results });
  }
  await writer.append({ type: 'error', payload: { code: 'TOOL_ROUNDS_EXCEEDED', message: `Stopped after ${MAX_TOOL_ROUNDS} tool rounds` } });
}
