import type { LlmContentBlock, LlmStreamPart } from '../llm/llm-provider.js';
import { buildSystemPrompt } from '../llm/prompts/system-prompt.js';
import { createCommandTool } from '../tools/command-tool.js';
import { createProjectTools, EDIT_TOOL_NAME, runTool, type Tool } from '../tools/project-tools.js';
import { buildConversation } from './conversation.js';
import { preview, sandboxRunner } from './preview.js';
import { loadGenerationOptions } from './generation-options.js';
import { saveSessionReply } from './session-reply.js';
import { TaskError, type TaskContext, type TaskHandler } from './task.js';

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
  const options = await loadGenerationOptions(context);
  const canRunCommands = extraTools.some((tool) => tool.definition.name === 'run_command');
  const systemPrompt = buildSystemPrompt({
    canRunCommands,
    commandTimeoutSeconds: Math.round(config.sandboxes.runCommandTimeoutMs / 1000),
    hasPreview: context.sandbox !== null,
    editToolName: EDIT_TOOL_NAME,
  });
  const conversation = await buildConversation(prisma, session, {
    contextTokens: config.generation.modelContextTokens,
    systemPrompt,
    instructions: options.instructions,
    attachments: options.attachments,
  });
  const tools: Tool[] = [...createProjectTools({ prisma, projectId: session.projectId, writer, limits: config.limits }), ...extraTools];
  const messages = [...conversation.messages];
  const budget = options.maxOutputTokens;
  let outputTokens = 0;
  let reply = '';

  for (let round = 1; round <= MAX_TOOL_ROUNDS; round++) {
    const assistant: LlmContentBlock[] = [];
    let text = '';
    let stopReason: Extract<LlmStreamPart, { type: 'finish' }>['stopReason'] = 'other';
    const calls: Array<{ id: string; name: string; input: unknown }> = [];
    // The per-session output budget caps each request, so the model stops at it rather than past it.
    const maxOutputTokens = budget === undefined ? MAX_OUTPUT_TOKENS : Math.max(1, Math.min(MAX_OUTPUT_TOKENS, budget - outputTokens));
    for await (const part of llm.stream({
      system: conversation.system,
      messages,
      tools: tools.map((tool) => tool.definition),
      maxOutputTokens,
      signal,
      ...(options.model ? { model: options.model } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    })) {
      if (part.type === 'text-delta') {
        text += part.text;
        writer.text(part.text);
      } else if (part.type === 'tool-call') {
        calls.push(part);
      } else {
        stopReason = part.stopReason;
        outputTokens += part.usage.outputTokens;
        writer.addUsage(part.usage);
      }
    }
    if (text) assistant.push({ type: 'text', text });
    for (const call of calls) assistant.push({ type: 'tool_call', id: call.id, name: call.name, input: call.input });
    messages.push({ role: 'assistant', content: assistant });
    if (text.trim()) reply = text;
    await writer.append({ type: 'usage', payload: { ...writer.usage } });
    if (budget !== undefined && outputTokens >= budget && (calls.length > 0 || stopReason === 'max_tokens')) {
      // Stopped at the budget before it finished: what it wrote stays; the unrun calls are dropped.
      throw new TaskError('BUDGET_EXCEEDED', `The session used its output budget of ${budget} tokens before the model finished; the files written so far are kept.`, false);
    }
    if (calls.length === 0) break;

    const results: LlmContentBlock[] = [];
    for (const call of calls) {
      signal.throwIfAborted();
      const outcome = await runTool(tools, call.name, call.input, signal);
      results.push({ type: 'tool_result', toolCallId: call.id, content: outcome.content, ...(outcome.isError ? { isError: true } : {}) });
    }
    messages.push({ role: 'user', content: results });
    if (round === MAX_TOOL_ROUNDS) {
      await writer.append({ type: 'error', payload: { code: 'TOOL_ROUNDS_EXCEEDED', message: `Stopped after ${MAX_TOOL_ROUNDS} tool rounds` } });
    }
  }
  // The model's own last words, for the next prompt's memory (and `Session.reply`).
  if (reply) await saveSessionReply(context, reply);
}
