/**
 * What the offline generator answers to a conversation, decided before anything is streamed: a pure
 * function of the request, so the same conversation always gives the same reply.
 */
import type { LlmContentBlock, LlmMessage, LlmRequest } from './llm-provider.js';
import { planFileChange } from './offline-edits.js';
import { appTemplates, BROKEN_THROW, chooseTemplate, planApp, renderApp, templateById, truncate, type AppPlan } from './offline-templates/index.js';
import { isRepairPrompt } from './prompts/repair-prompt.js';

/** A tool call the offline generator makes, with a deterministic id. */
export interface OfflineToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** A whole reply: the text to stream, then the tool calls, then how the turn stops. */
export interface OfflineReply {
  text: string;
  toolCalls: OfflineToolCall[];
  stopReason: 'end_turn' | 'tool_use';
}

/** How a tool-call id is formed; numbered across the whole conversation so ids never repeat. */
export const toolCallIdPrefix = 'toolu_offline_';

/** Failure messages from tools are quoted in the summary, cut to this length. */
const quotedErrorLength = 200;

function lastUserIndex(messages: LlmMessage[]): number {
  return messages.findLastIndex((message) => message.role === 'user');
}

function isToolResult(block: LlmContentBlock): block is Extract<LlmContentBlock, { type: 'tool_result' }> {
  return block.type === 'tool_result';
}

/** The user's prompts, oldest first: user messages that carry text and are not tool results. */
export function promptsOf(messages: LlmMessage[]): string[] {
  return messages
    .filter((message) => message.role === 'user' && !message.content.some(isToolResult))
    .map((message) =>
      message.content
        .flatMap((block) => (block.type === 'text' ? [block.text] : []))
        .join('\n\n'),
    )
    .filter((prompt) => prompt.trim() !== '' && !isRepairPrompt(prompt));
}

/** The text of the last user message that is not tool results: the prompt being answered, or a repair message. */
function lastTextMessage(messages: LlmMessage[]): string {
  const message = messages.findLast((candidate) => candidate.role === 'user' && !candidate.content.some(isToolResult));
  return (message?.content ?? []).flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n\n');
}

/**
 * A repair round (prompts/repair-prompt.ts): the offline generator can repair what it broke itself, the
 * `#broken` hook's throw in app.js, which it finds in the files the message quotes; it removes it with
 * the edit tool (write_file when that is not offered). Anything else it says plainly it cannot repair.
 */
function repairApp(request: LlmRequest, message: string): OfflineReply {
  const appJs = /<file path="app\.js">\n([\s\S]*?)\n<\/file>/.exec(message)?.[1];
  const editTool = editToolOf(request);
  if (appJs === undefined || !appJs.includes(BROKEN_THROW)) {
    return {
      text: "I'm the offline generator: the only error I can repair is the one my own #broken test hook puts in app.js, and these errors are not that one. A model would read the files and fix them; I can't, so the app stays as it is.",
      toolCalls: [],
      stopReason: 'end_turn',
    };
  }
  const text = 'The preview check found the error my #broken test hook throws at the top of app.js. I\'ll remove that throw, leaving the rest of the app as it is.';
  const call = editTool
    ? { name: editTool, input: { command: 'str_replace', path: 'app.js', old_str: BROKEN_THROW, new_str: '' } }
    : { name: 'write_file', input: { path: 'app.js', content: appJs.replace(BROKEN_THROW, '') } };
  return { text, toolCalls: numberedCalls(request, [call]), stopReason: 'tool_use' };
}

function countToolCalls(messages: LlmMessage[]): number {
  return messages.reduce((count, message) => count + message.content.filter((block) => block.type === 'tool_call').length, 0);
}

function labelOf(plan: AppPlan): string {
  return templateById(plan.templateId).label;
}

/** "a, b and c" */
function listInWords(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const introduction =
  "I'm the EverJust offline generator, a deterministic stand-in for a model: no AI reads your prompt. " +
  'I pick a template from the keywords in it and fill the template in, so the same conversation always gives the same files.';

/** Follow-ups get a shorter reminder: a model would not introduce itself twice. */
const reminder = 'As before, I am the offline generator: I match keywords and fill in templates, with no AI involved.';

function describeNewApp(plan: AppPlan): string {
  const template = templateById(plan.templateId);
  if (chooseTemplate(plan.subjectPrompt) === undefined) {
    const others = appTemplates.filter((candidate) => candidate.id !== 'landing').map((candidate) => candidate.label);
    return (
      `I have templates for ${listInWords(others)}, and your prompt asks for none of them, ` +
      `so I'll build a landing page titled "${plan.title}": ${template.features}.`
    );
  }
  return `Your prompt asks for ${template.label}, so I'll build "${plan.title}": ${template.features}.`;
}

function describeRevision(plan: AppPlan, previous: AppPlan): string {
  const revision = `This is revision ${plan.prompts.length} of the app.`;
  const template = templateById(plan.templateId);
  if (plan.templateId !== previous.templateId) {
    return `${revision} I'm replacing ${labelOf(previous)} with ${template.label} titled "${plan.title}": ${template.features}.`;
  }
  const changes: string[] = [];
  if (plan.title !== previous.title) changes.push(`the new name "${plan.title}"`);
  if (plan.accent.name !== previous.accent.name) changes.push(`a ${plan.accent.name} accent`);
  if (plan.theme !== previous.theme) changes.push(`a ${plan.theme} theme`);
  if (changes.length === 0) {
    return (
      `${revision} I couldn't match this request to anything I can change offline (the kind of app, its name, ` +
      `its accent colour, or a light or dark theme), so "${plan.title}" stays ${template.label} as it was; ` +
      'your request is listed in the page footer.'
    );
  }
  return `${revision} I'm keeping ${template.label} and giving it ${listInWords(changes)}.`;
}

function describeFiles(plan: AppPlan, canWrite: boolean): string {
  if (!canWrite) return "The write_file tool isn't offered in this session, so I can't write any files; nothing was changed.";
  return (
    'I\'ll write three files with no dependencies, no build step and no network access: index.html for the markup, ' +
    `styles.css for the ${plan.accent.name} ${plan.theme} look, and app.js for the behaviour. Open index.html in any browser to use it.`
  );
}

/** The name of the edit tool among those offered (the one of the common text-editor shape). */
function editToolOf(request: LlmRequest): string | undefined {
  return request.tools.find((tool) => tool.builtin === 'text_editor')?.name;
}

function numberedCalls(request: LlmRequest, calls: Array<{ name: string; input: unknown }>): OfflineToolCall[] {
  const firstNumber = countToolCalls(request.messages) + 1;
  return calls.map((call, index) => ({ id: `${toolCallIdPrefix}${firstNumber + index}`, ...call }));
}

/**
 * The first turn of a prompt: explain, then write index.html, styles.css and app.js. A follow-up, when an
 * edit tool and read_file are offered, reads the current files first, to edit them in the next turn.
 */
function answerPrompt(request: LlmRequest, prompts: string[]): OfflineReply {
  const plan = planApp(prompts);
  const previous = prompts.length > 1 ? planApp(prompts.slice(0, -1)) : undefined;
  const canWrite = request.tools.some((tool) => tool.name === 'write_file');
  const canEdit = editToolOf(request) !== undefined && request.tools.some((tool) => tool.name === 'read_file');
  if (previous && canEdit) {
    const text = [
      reminder,
      describeRevision(plan, previous),
      "I'll read the app's three files first, then change only the lines that need it, with the edit tool, rather than rewriting them.",
    ].join('\n\n');
    const reads = renderApp(plan).map((file) => ({ name: 'read_file', input: { path: file.path } }));
    return { text, toolCalls: numberedCalls(request, reads), stopReason: 'tool_use' };
  }
  const text = previous
    ? [reminder, describeRevision(plan, previous), describeFiles(plan, canWrite)].join('\n\n')
    : [introduction, describeNewApp(plan), describeFiles(plan, canWrite)].join('\n\n');
  if (!canWrite) return { text, toolCalls: [], stopReason: 'end_turn' };
  const writes = renderApp(plan).map((file) => ({ name: 'write_file', input: { path: file.path, content: file.content } }));
  return { text, toolCalls: numberedCalls(request, writes), stopReason: 'tool_use' };
}

/**
 * The turn after read_file: for each file, the edits that turn what was read into the new version
 * (str_replace), a rewrite when most of it changes, a create when it was missing, nothing when it is current.
 */
function editFiles(request: LlmRequest, prompts: string[], reads: Array<{ path: string; content: string | null }>): OfflineReply {
  const editTool = editToolOf(request)!;
  const calls: Array<{ name: string; input: unknown }> = [];
  const changed: string[] = [];
  for (const file of renderApp(planApp(prompts))) {
    const current = reads.find((read) => read.path === file.path)?.content ?? null;
    if (current === null) {
      calls.push({ name: editTool, input: { command: 'create', path: file.path, file_text: file.content } });
      changed.push(`create ${file.path}`);
      continue;
    }
    const change = planFileChange(current, file.content);
    if (change.kind === 'none') continue;
    if (change.kind === 'rewrite') {
      calls.push({ name: 'write_file', input: { path: file.path, content: file.content } });
      changed.push(`rewrite ${file.path} (most of it changes)`);
      continue;
    }
    for (const edit of change.edits) calls.push({ name: editTool, input: { command: 'str_replace', path: file.path, old_str: edit.oldText, new_str: edit.newText } });
    changed.push(`make ${change.edits.length} ${change.edits.length === 1 ? 'edit' : 'edits'} to ${file.path}`);
  }
  if (calls.length === 0) return { text: 'The files already say what this request asks for: there is nothing to change.', toolCalls: [], stopReason: 'end_turn' };
  return { text: `I'll ${listInWords(changed)}.`, toolCalls: numberedCalls(request, calls), stopReason: 'tool_use' };
}

/** The turn after the tools ran: say what was written, and what failed. */
function summarizeToolResults(request: LlmRequest, prompts: string[]): OfflineReply {
  const messages = request.messages;
  const userIndex = lastUserIndex(messages);
  const results = messages[userIndex].content.filter(isToolResult);
  const calls = messages
    .slice(0, userIndex)
    .filter((message) => message.role === 'assistant')
    .flatMap((message) => message.content.flatMap((block) => (block.type === 'tool_call' ? [block] : [])));

  const written: string[] = [];
  const edited = new Map<string, number>();
  const failed: string[] = [];
  for (const result of results) {
    const call = calls.find((candidate) => candidate.id === result.toolCallId);
    const input = (call?.input ?? {}) as { path?: unknown; content?: unknown; file_text?: unknown; command?: unknown };
    const path = typeof input.path === 'string' ? input.path : (call?.name ?? result.toolCallId);
    const content = call?.name === 'write_file' ? input.content : input.command === 'create' ? input.file_text : undefined;
    if (result.isError) {
      failed.push(`${path} (${truncate(result.content.trim().replace(/\s+/g, ' '), quotedErrorLength)})`);
    } else if (typeof content === 'string') {
      const lines = content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
      written.push(`${path} (${lines} ${lines === 1 ? 'line' : 'lines'})`);
    } else if (input.command === 'str_replace' || input.command === 'insert') {
      edited.set(path, (edited.get(path) ?? 0) + 1);
    }
  }
  const edits = [...edited].map(([path, count]) => `${path} (${count} ${count === 1 ? 'edit' : 'edits'})`);

  const sentences: string[] = [];
  if (written.length > 0 && edits.length > 0) sentences.push(`Done: I wrote ${listInWords(written)} and edited ${listInWords(edits)}.`);
  else if (written.length > 0) sentences.push(`Done: I wrote ${listInWords(written)}.`);
  else if (edits.length > 0) sentences.push(`Done: I edited ${listInWords(edits)}, leaving the rest of the files as they were.`);
  if (failed.length > 0) {
    sentences.push(`These did not work: ${listInWords(failed)}. The app may be incomplete until they succeed, so try the request again.`);
  }
  if (written.length + edits.length > 0 && failed.length === 0 && isRepairPrompt(lastTextMessage(messages))) {
    sentences.push('The #broken test hook\'s throw is gone from app.js, so the app starts again; the preview is checked once more.');
  } else if (written.length + edits.length > 0 && failed.length === 0 && prompts.length > 0) {
    const plan = planApp(prompts);
    if (plan.broken) {
      sentences.push(`"${plan.title}" is ${labelOf(plan)} whose app.js throws at load on purpose: your prompt says #broken, a test hook for the preview check. Ask again without it and I will make it whole.`);
    } else {
      sentences.push(
        `"${plan.title}" is ${labelOf(plan)} that runs as it is in a browser: no dependencies, no build step, no network. ` +
          'Ask for a change, such as another colour, a dark theme, a new name or a different kind of app, and I will edit it.',
      );
    }
  }
  if (sentences.length === 0) sentences.push(`The tools returned ${results.length} ${results.length === 1 ? 'result' : 'results'}; there is nothing more for me to do.`);
  return { text: sentences.join(' '), toolCalls: [], stopReason: 'end_turn' };
}

/**
 * The reply to `request`. When the last user message carries tool results, the tools have run: after reads,
 * the reply edits the files; otherwise it summarizes them. Else it is a prompt, answered with an
 * explanation and three file writes (a new app) or reads (a follow-up that will edit).
 */
export function replyTo(request: LlmRequest): OfflineReply {
  const asked = promptsOf(request.messages);
  // The tag asks for a question; it is not part of what to build (nor of the app's title).
  const prompts = withAnswers(request.messages, asked.map((prompt) => prompt.replace(ASK_TAG_PATTERN, ' ').replace(/\s+$/, '')));
  const last = request.messages[lastUserIndex(request.messages)];
  // A repair round: the preview check found errors in what was built.
  if (last && !last.content.some(isToolResult) && isRepairPrompt(lastTextMessage(request.messages))) return repairApp(request, lastTextMessage(request.messages));
  // The end user answered the question: build what the prompt asked, with the answer.
  if (last && answersOf(request.messages, last).length > 0 && !last.content.some((block) => isToolResult(block) && !isAnswer(request.messages, block))) {
    return answerPrompt(request, prompts);
  }
  if (last && !last.content.some(isToolResult) && shouldAsk(request, asked)) return askQuestion(request);
  if (last?.content.some(isToolResult)) {
    const reads = readResults(request.messages);
    return reads && editToolOf(request) ? editFiles(request, prompts, reads) : summarizeToolResults(request, prompts);
  }
  return answerPrompt(request, prompts);
}

/** When the last tool results all answer read_file calls: what each read returned (null: no such file). */
function readResults(messages: LlmMessage[]): Array<{ path: string; content: string | null }> | undefined {
  const userIndex = lastUserIndex(messages);
  const results = messages[userIndex].content.filter(isToolResult);
  const calls = (messages[userIndex - 1]?.content ?? []).flatMap((block) => (block.type === 'tool_call' ? [block] : []));
  if (calls.length === 0 || !calls.every((call) => call.name === 'read_file')) return undefined;
  return calls.map((call) => {
    const result = results.find((candidate) => candidate.toolCallId === call.id);
    const path = String((call.input as { path?: unknown }).path);
    return { path, content: result && !result.isError ? result.content : null };
  });
}

/** The tag that makes the offline generator ask its question first (demos and tests of the questions path). */
export const ASK_TAG = '#ask';
const ASK_TAG_PATTERN = /\s*#ask\b/gi;

/** What the offline generator asks: which look, as two choices its theme rules understand. */
export const OFFLINE_QUESTION = { question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] };

function askCalls(messages: LlmMessage[]): Array<Extract<LlmContentBlock, { type: 'tool_call' }>> {
  return messages.flatMap((message) => message.content.flatMap((block) => (block.type === 'tool_call' && block.name === 'ask_user' ? [block] : [])));
}

function isAnswer(messages: LlmMessage[], block: Extract<LlmContentBlock, { type: 'tool_result' }>): boolean {
  return askCalls(messages).some((call) => call.id === block.toolCallId);
}

/** The answers to ask_user calls in `message`. */
function answersOf(messages: LlmMessage[], message: LlmMessage): string[] {
  return message.content.flatMap((block) => (isToolResult(block) && !block.isError && isAnswer(messages, block) ? [block.content] : []));
}

/** The current prompt with the end user's answers to its questions, as if they had been part of it. */
function withAnswers(messages: LlmMessage[], prompts: string[]): string[] {
  const promptIndex = messages.findLastIndex((message) => message.role === 'user' && !message.content.some(isToolResult));
  const answers = messages.slice(promptIndex + 1).flatMap((message) => (message.role === 'user' ? answersOf(messages, message) : []));
  if (answers.length === 0 || prompts.length === 0) return prompts;
  return [...prompts.slice(0, -1), `${prompts.at(-1)}\n\n${answers.map((answer) => `Answer: ${answer}`).join('\n')}`];
}

/** Ask when the prompt says `#ask`, ask_user is offered, and this prompt has not asked yet. */
function shouldAsk(request: LlmRequest, prompts: string[]): boolean {
  if (!prompts.at(-1)?.toLowerCase().includes(ASK_TAG) || !request.tools.some((tool) => tool.name === 'ask_user')) return false;
  const promptIndex = request.messages.findLastIndex((message) => message.role === 'user' && !message.content.some(isToolResult));
  return askCalls(request.messages.slice(promptIndex + 1)).length === 0;
}

function askQuestion(request: LlmRequest): OfflineReply {
  const text = `Your prompt says ${ASK_TAG}, so before I build anything I'll ask you one question, as a model does when a request is ambiguous.`;
  return { text, toolCalls: numberedCalls(request, [{ name: 'ask_user', input: OFFLINE_QUESTION }]), stopReason: 'tool_use' };
}
