import type { LlmContentBlock, LlmMessage, LlmStreamPart } from '../llm/llm-provider.js';
import { readSessionMessages, type PreviewCheckError } from '@everjust/core';
import { buildRepairPrompt, isRepairPrompt, readRepairFiles } from '../llm/prompts/repair-prompt.js';
import { buildSystemPrompt } from '../llm/prompts/system-prompt.js';
import { ASK_USER_TOOL_NAME, askUserInput, createAskUserTool } from '../tools/ask-user-tool.js';
import { createCommandTool } from '../tools/command-tool.js';
import { createProjectTools, EDIT_TOOL_NAME, runTool, type Tool } from '../tools/project-tools.js';
import { buildConversation } from './conversation.js';
import { preview, sandboxRunner } from './preview.js';
import { loadGenerationOptions } from './generation-options.js';
import { saveSessionReply } from './session-reply.js';
import { loadStoredConversation, RepeatFilter, storeMessages, unansweredQuestion } from './stored-conversation.js';
import { TaskError, type TaskContext, type TaskHandler, type TaskOutcome } from './task.js';

/** Tool rounds per generation: a model that keeps calling tools is stopped here. */
export const MAX_TOOL_ROUNDS = 20;
const MAX_OUTPUT_TOKENS = 16_000;


/**
 * The `generate` task, a pipeline: generate (the model streams, its tool calls become file edits and,
 * with a sandbox that runs things, commands), then preview (unless previews are off).
 */
export const generate: TaskHandler = async (context) => {
  const runner = context.sandbox ? sandboxRunner(context, context.sandbox) : undefined;
  const extraTools = runner?.provider.canRunCommands ? [createCommandTool(runner)] : [];
  const waiting = await generateFiles(context, extraTools);
  // A question: no preview yet, the session waits for its answer (the worker releases the job).
  if (waiting) return { waiting };
  if (!context.sandbox || !runner) return {};
  const errors = await preview(context, context.sandbox, runner);
  return repair(context, errors, async () => {
    const asked = await generateFiles(context, extraTools);
    return asked ? { waiting: asked } : { errors: await preview(context, context.sandbox!, runner) };
  });
};

/**
 * Repair (issue 14): while the preview check found errors and the tenant's `generation.autoRepairRounds`
 * allow another round, emit `repair_started`, store a repair message (the errors and the files
 * involved, prompts/repair-prompt.ts) at the end of the conversation, and let the model edit, then
 * preview and check again. Rounds already stored (an attempt that resumes) count. A round after which
 * the errors are not fewer is not billed: its usage is recorded as non-billable. What is still wrong
 * after the last round goes into `done` (`result.previewErrors`); the session still succeeds.
 */
async function repair(
  context: TaskContext,
  found: PreviewCheckError[] | null,
  again: () => Promise<{ waiting: NonNullable<TaskOutcome['waiting']> } | { errors: PreviewCheckError[] | null }>,
): Promise<TaskOutcome> {
  const { prisma, session, writer, job, config } = context;
  // No browser, no check: nothing to repair (and no queries for it).
  if (!config.browser) return {};
  const lease = { jobId: job.id, workerId: job.lockedBy, attempt: job.attempts };
  const { autoRepairRounds: rounds } = await prisma.tenant.findUniqueOrThrow({ where: { id: session.tenantId }, select: { autoRepairRounds: true } });
  let errors = found;
  // Rounds an earlier attempt already stored count (a resumed job goes on from them).
  let round = (await readSessionMessages(prisma, session.id)).filter(isRepairMessage).length;
  let unhelpful = 0;
  while (errors && errors.length > 0 && round < rounds) {
    round++;
    await writer.append({ type: 'repair_started', payload: { round, errors } });
    const files = await readRepairFiles(prisma, session.projectId, errors);
    const prompt = buildRepairPrompt({ round: { round, rounds }, errors, files });
    await writer.drain();
    await storeMessages(prisma, session.id, lease, [{ role: 'user', content: [{ type: 'text', text: prompt }] }]);
    const before = { ...writer.usage };
    const outcome = await again();
    if ('waiting' in outcome) return outcome;
    // Not fewer errors (or no check at all): the round did not help, so it is not billed.
    if (outcome.errors === null || outcome.errors.length >= errors.length) {
      unhelpful++;
      await writer.moveToNonBillable(before);
    }
    errors = outcome.errors;
  }
  const result: Record<string, unknown> = {};
  if (round > 0) result.repair = { rounds: round, nonBillableRounds: unhelpful };
  if (errors && errors.length > 0) result.previewErrors = errors;
  return Object.keys(result).length > 0 ? { result } : {};
}

/** Whether a stored message is a repair round's message (what counts the rounds already run). */
function isRepairMessage(message: { role: string; content: readonly unknown[] }): boolean {
  return message.role === 'user' && message.content.some((block) => {
    const { type, text } = block as { type?: unknown; text?: unknown };
    return type === 'text' && typeof text === 'string' && isRepairPrompt(text);
  });
}

/** The `preview` task (`startPreview`): the preview step alone, on the project's current files. */
export const previewOnly: TaskHandler = async (context) => {
  if (context.sandbox) await preview(context, context.sandbox);
  else await context.writer.append({ type: 'preview_failed', payload: { reason: 'Previews are turned off on this platform (EVERJUST_SANDBOX=none)' } });
  return {};
};

/**
 * The model's tool loop. Each finished round (the model's message and its tools' results) is stored,
 * fenced, before the next one, so an attempt that resumes (after an answer, a crash or a lost lease)
 * continues from there: stored rounds are not asked again, and text the log already has is not written
 * twice. Returns the question when the model asked one (ask_user), for the session to wait on.
 */
async function generateFiles(context: TaskContext, extraTools: Tool[]): Promise<TaskOutcome['waiting']> {
  const { prisma, session, writer, signal, config, llm, job } = context;
  const lease = { jobId: job.id, workerId: job.lockedBy, attempt: job.attempts };
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
  const tools: Tool[] = [
    ...createProjectTools({ prisma, projectId: session.projectId, writer, limits: config.limits }),
    ...extraTools,
    ...(options.allowQuestions ? [createAskUserTool()] : []),
  ];
  const stored = await loadStoredConversation(prisma, session.id);
  const messages = [...conversation.messages, ...stored.messages];
  // Only the first round after a resume can repeat what an earlier attempt streamed.
  let repeats = new RepeatFilter(stored.emittedText);
  const budget = options.maxOutputTokens;
  let outputTokens = 0;
  let reply = lastReply(stored.messages);

  // An earlier attempt asked and died before the session could wait: wait on that question, unasked again.
  const pending = unansweredQuestion(stored.messages);
  if (pending) return pending;
  // An earlier attempt finished the conversation (and died in the preview step, say): nothing to ask the model.
  const finished = stored.messages.at(-1)?.role === 'assistant' && !stored.messages.at(-1)!.content.some((block) => block.type === 'tool_call');

  for (let round = stored.rounds + 1; !finished && round <= MAX_TOOL_ROUNDS; round++) {
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
        writer.text(repeats.pass(part.text));
      } else if (part.type === 'tool-call') {
        calls.push(part);
      } else {
        stopReason = part.stopReason;
        outputTokens += part.usage.outputTokens;
        writer.addUsage(part.usage);
      }
    }
    repeats = new RepeatFilter('');
    if (text) assistant.push({ type: 'text', text });
    for (const call of calls) assistant.push({ type: 'tool_call', id: call.id, name: call.name, input: call.input });
    const said: LlmMessage = { role: 'assistant', content: assistant };
    messages.push(said);
    if (text.trim()) reply = text;
    await writer.append({ type: 'usage', payload: { ...writer.usage } });
    if (budget !== undefined && outputTokens >= budget && (calls.length > 0 || stopReason === 'max_tokens')) {
      // Stopped at the budget before it finished: what it wrote stays; the unrun calls are dropped.
      throw new TaskError('BUDGET_EXCEEDED', `The session used its output budget of ${budget} tokens before the model finished; the files written so far are kept.`, false);
    }
    if (calls.length === 0) {
      await writer.drain();
      await storeMessages(prisma, session.id, lease, [said]);
      break;
    }

    const results: LlmContentBlock[] = [];
    let question: TaskOutcome['waiting'];
    for (const call of calls) {
      signal.throwIfAborted();
      if (call.name === ASK_USER_TOOL_NAME && options.allowQuestions) {
        const input = askUserInput.safeParse(call.input);
        if (input.success && !question) {
          question = { toolCallId: call.id, question: input.data.question, choices: input.data.choices ?? [] };
          continue; // its result is the answer, stored by answerSession
        }
        results.push({ type: 'tool_result', toolCallId: call.id, isError: true, content: input.success ? 'Ask one question at a time.' : `Invalid input for ask_user: ${input.error.issues[0]?.message ?? 'see the schema'}` });
        continue;
      }
      const outcome = await runTool(tools, call.name, call.input, signal);
      results.push({ type: 'tool_result', toolCallId: call.id, content: outcome.content, ...(outcome.isError ? { isError: true } : {}) });
    }
    const ran: LlmMessage = { role: 'user', content: results };
    messages.push(ran);
    // The round's text and file events are in the log before the round is stored: the mark says so.
    await writer.drain();
    await storeMessages(prisma, session.id, lease, [said, ran]);
    if (question) {
      if (reply) await saveSessionReply(context, reply);
      return question;
    }
    if (round === MAX_TOOL_ROUNDS) {
      await writer.append({ type: 'error', payload: { code: 'TOOL_ROUNDS_EXCEEDED', message: `Stopped after ${MAX_TOOL_ROUNDS} tool rounds` } });
    }
  }
  // The model's own last words, for the next prompt's memory (and `Session.reply`).
  if (reply) await saveSessionReply(context, reply);
  return undefined;
}

/** The text of the last stored assistant message that said something (the reply so far). */
function lastReply(messages: LlmMessage[]): string {
  for (const message of [...messages].reverse()) {
    if (message.role !== 'assistant') continue;
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
    if (text.trim()) return text;
  }
  return '';
}
