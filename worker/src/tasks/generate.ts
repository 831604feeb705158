import type { LlmContentBlock } from '../llm/llm-provider.js';
import { createProjectTools, runTool, type Tool } from '../tools/project-tools.js';
import { buildConversation } from './conversation.js';
import type { TaskContext, TaskHandler } from './task.js';

/** Tool rounds per generation: a model that keeps calling tools is stopped here. */
export const MAX_TOOL_ROUNDS = 20;
const MAX_OUTPUT_TOKENS = 16_000;

/**
 * The `generate` task: streams from the model, turns its tool calls into file edits (and, with a
 * sandbox, commands), and reports every step as session events.
 */
export const generate: TaskHandler = async (context) => {
  const { prisma, session, writer, signal, config, llm } = context;
  await writer.append({ type: 'status', payload: { status: 'running', step: 'generating' } });
  const conversation = await buildConversation(prisma, session, config.limits.modelContextTokens);
  const tools: Tool[] = [
    ...createProjectTools({ prisma, projectId: session.projectId, writer, limits: config.limits }),
    ...(context.extraTools ?? []),
  ];
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
    if (calls.length === 0) return {};

    const results: LlmContentBlock[] = [];
    for (const call of calls) {
      signal.throwIfAborted();
      const outcome = await runTool(tools, call.name, call.input, signal);
      results.push({ type: 'tool_result', toolCallId: call.id, content: outcome.content, ...(outcome.isError ? { isError: true } : {}) });
    }
    messages.push({ role: 'user', content: results });
  }
  await writer.append({ type: 'error', payload: { code: 'TOOL_ROUNDS_EXCEEDED', message: `Stopped after ${MAX_TOOL_ROUNDS} tool rounds` } });
  return {};
};
