import type { FileLimits, PrismaClient } from '@everjust/core';
import { createAnthropic } from '../../worker/src/llm/anthropic.js';
import type { LlmContentBlock, LlmMessage, LlmStreamPart, LlmUsage } from '../../worker/src/llm/llm-provider.js';
import { buildSystemPrompt } from '../../worker/src/llm/prompts/system-prompt.js';
import { createProjectTools, EDIT_TOOL_NAME } from '../../worker/src/tools/project-tools.js';
import type { SessionWriter } from '../../worker/src/session-writer.js';
import { startFakeAnthropic, type FakeAnthropicTurn } from '../../test-support/fake-anthropic.js';
import type { Suite } from './_harness.js';

/**
 * `pnpm bench generation`: what a session costs in tokens, with and without prompt caching, and what
 * one edit costs next to a rewrite. The worker's real Anthropic provider (the official SDK), our system
 * prompt and our tool definitions, against the fake Messages API, which follows a fixed script and bills
 * input as Anthropic does (cache reads and writes at breakpoints, 5 min TTL, nothing under 1,024 tokens)
 * and counts output at about four characters a token. The request sequence is the generate task's: one
 * request per tool round, each carrying the whole conversation so far.
 */

const ROUNDS = 10;
const FILES = 40;
const WRITE_PRICE = 1.25;
const READ_PRICE = 0.1;

/** A 40-file project of about 1.5 kB a file (60 kB, ~15k tokens: all of it in the context budget). */
function projectFiles(): Array<{ path: string; content: string }> {
  return Array.from({ length: FILES }, (_, index) => ({
    path: index === 0 ? 'index.html' : `src/module-${String(index).padStart(2, '0')}.js`,
    content: Array.from({ length: 30 }, (_, line) => `export const value${index}_${line} = compute(${line}, 'module ${index}');`).join('\n'),
  }));
}

/** The tool definitions the generate task sends (their context is not touched to read the definitions). */
const toolDefinitions = createProjectTools({
  prisma: undefined as unknown as PrismaClient,
  projectId: 'bench',
  writer: undefined as unknown as SessionWriter,
  limits: undefined as unknown as FileLimits,
}).map((tool) => tool.definition);

const systemPrompt = buildSystemPrompt({ canRunCommands: true, commandTimeoutSeconds: 120, hasPreview: true, editToolName: EDIT_TOOL_NAME });

/** Runs `script` as one session's rounds: request, tool calls, results appended, next request. */
async function session(options: { caching: boolean; files: Array<{ path: string; content: string }>; script: FakeAnthropicTurn[]; prompt: string }) {
  const fake = await startFakeAnthropic({ countOutputTokens: true });
  try {
    fake.enqueue(options.script);
    const provider = createAnthropic({ apiKey: 'bench', model: 'claude-bench', baseUrl: fake.url, maxRetries: 0, promptCaching: options.caching });
    const system = [systemPrompt, `The project has ${options.files.length} file(s); this is their current content.\n${options.files.map((file) => `<file path="${file.path}">\n${file.content}\n</file>`).join('\n')}`];
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: options.prompt }] }];
    const total: LlmUsage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
    for (let round = 0; round < options.script.length; round++) {
      const calls: LlmContentBlock[] = [];
      for await (const part of provider.stream({ system, messages, tools: toolDefinitions, maxOutputTokens: 16_000, signal: new AbortController().signal })) {
        if (part.type === 'tool-call') calls.push({ type: 'tool_call', id: part.id, name: part.name, input: part.input });
        if (part.type === 'finish') addUsage(total, (part as Extract<LlmStreamPart, { type: 'finish' }>).usage);
      }
      if (calls.length === 0) break;
      messages.push({ role: 'assistant', content: calls });
      messages.push({ role: 'user', content: calls.map((call) => ({ type: 'tool_result', toolCallId: (call as { id: string }).id, content: 'Wrote it (1,400 bytes).' })) });
    }
    return total;
  } finally {
    await fake.close();
  }
}

function addUsage(total: LlmUsage, usage: LlmUsage): void {
  total.inputTokens += usage.inputTokens;
  total.outputTokens += usage.outputTokens;
  total.cacheWriteTokens += usage.cacheWriteTokens;
  total.cacheReadTokens += usage.cacheReadTokens;
}

const billedInput = (usage: LlmUsage) => usage.inputTokens + WRITE_PRICE * usage.cacheWriteTokens + READ_PRICE * usage.cacheReadTokens;

/** Nine rounds that each change one module a little, then the summary: the shape of a real iteration. */
function tenRoundScript(files: Array<{ path: string; content: string }>): FakeAnthropicTurn[] {
  const rounds: FakeAnthropicTurn[] = Array.from({ length: ROUNDS - 1 }, (_, index) => {
    const file = files[index + 1];
    const line = file.content.split('\n')[3];
    return {
      text: `Updating ${file.path}.`,
      toolCalls: [{ name: 'str_replace_based_edit_tool', input: { command: 'str_replace', path: file.path, old_str: line, new_str: line.replace('compute(', 'computeFast(') } }],
    };
  });
  return [...rounds, { text: 'Switched nine modules to computeFast; nothing else changed.' }];
}

/** A 20 kB file and a one-line change to it. */
function bigFile() {
  const lines = Array.from({ length: 280 }, (_, index) => `  <li class="item" data-id="${index}">Item number ${index} of the catalogue</li>`);
  const content = `<ul>\n${lines.join('\n')}\n</ul>\n`.padEnd(20_000, ' ');
  const old = lines[140];
  return { content, old, updated: content.replace(old, old.replace('Item number 140', 'Featured item 140')) };
}

const suite: Suite = {
  name: 'generation',
  description: `a scripted ${ROUNDS}-round session on a ${FILES}-file project (fake Claude billing prompt caching as Anthropic does), and an edit against a rewrite of a 20 kB file`,
  async run() {
    const files = projectFiles();
    const script = tenRoundScript(files);
    const off = await session({ caching: false, files, script: structuredClone(script), prompt: 'Use computeFast in the first nine modules.' });
    const on = await session({ caching: true, files, script: structuredClone(script), prompt: 'Use computeFast in the first nine modules.' });
    const saved = 1 - billedInput(on) / billedInput(off);
    const row = (label: string, usage: LlmUsage) =>
      `${label.padEnd(12)} ${String(usage.inputTokens).padStart(9)} ${String(usage.cacheWriteTokens).padStart(12)} ${String(usage.cacheReadTokens).padStart(11)} ${Math.round(billedInput(usage)).toString().padStart(16)} ${String(usage.outputTokens).padStart(7)}`;
    console.log(`${'caching'.padEnd(12)} ${'input'.padStart(9)} ${'cache write'.padStart(12)} ${'cache read'.padStart(11)} ${'billed input eq.'.padStart(16)} ${'output'.padStart(7)}`);
    console.log(row('off', off));
    console.log(row('on', on));
    console.log(`billed input-token equivalents (input + ${WRITE_PRICE} × write + ${READ_PRICE} × read): ${(saved * 100).toFixed(1)} % fewer with caching (target ≥ 70 %)`);

    const file = bigFile();
    const small = [{ path: 'catalogue.html', content: file.content }];
    const byEdit = await session({ caching: true, files: small, prompt: 'Feature item 140.', script: [
      { toolCalls: [{ name: 'str_replace_based_edit_tool', input: { command: 'str_replace', path: 'catalogue.html', old_str: file.old, new_str: file.old.replace('Item number 140', 'Featured item 140') } }] },
    ] });
    const byRewrite = await session({ caching: true, files: small, prompt: 'Feature item 140.', script: [
      { toolCalls: [{ name: 'write_file', input: { path: 'catalogue.html', content: file.updated } }] },
    ] });
    const share = byEdit.outputTokens / byRewrite.outputTokens;
    console.log(`one-line change to a ${file.content.length.toLocaleString('en')}-byte file: edit ${byEdit.outputTokens} output tokens, rewrite ${byRewrite.outputTokens}: the edit is ${(share * 100).toFixed(1)} % of the rewrite (target ≤ 5 %)`);
    if (saved < 0.7 || share > 0.05) console.log('TARGET MISSED');
  },
};

export default suite;
