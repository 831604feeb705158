import { randomUUID } from 'node:crypto';
import type { SessionWriter } from '../session-writer.js';
import type { CommandResult, SandboxProvider } from '../sandbox/sandbox-provider.js';
import { z } from 'zod';
import { defineTool, type Tool } from './tool.js';

/** What the model gets back of a command's output: the tail, so errors at the end survive. */
const OUTPUT_FOR_MODEL = 16_000;

export interface CommandRunner {
  provider: SandboxProvider;
  writer: SessionWriter;
  timeoutMs: number;
  /** Makes sure the sandbox exists and holds the current files; returns its provider id. */
  prepare(signal: AbortSignal): Promise<string>;
}

/**
 * Runs a command in the project's sandbox and reports it as command_started, command_output
 * (streamed, coalesced to a row at most every 50 ms per stream) and command_finished events.
 * Aborting the signal kills it at once.
 */
export async function runReportedCommand(runner: CommandRunner, command: string, signal: AbortSignal): Promise<CommandResult> {
  const sandboxId = await runner.prepare(signal);
  const commandId = randomUUID();
  const { writer } = runner;
  await writer.append({ type: 'command_started', payload: { commandId, command } });
  const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<unknown> = Promise.resolve();
  const flush = () => {
    timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = pending[stream];
      if (!text) continue;
      pending[stream] = '';
      flushing = flushing.then(() => writer.append({ type: 'command_output', payload: { commandId, stream, text } })).catch(() => undefined);
    }
  };
  const started = Date.now();
  let result: CommandResult;
  try {
    result = await runner.provider.runCommand(sandboxId, {
      command,
      timeoutMs: runner.timeoutMs,
      signal,
      onOutput: (stream, text) => {
        // A binary's output may hold NUL, which the event log (PostgreSQL jsonb) cannot store: shown as U+FFFD.
        pending[stream] += text.replaceAll('\u0000', '\uFFFD');
        timer ??= setTimeout(flush, 50);
      },
    });
  } finally {
    clearTimeout(timer);
    flush();
    await flushing;
  }
  writer.addUsage({ sandboxSeconds: (Date.now() - started) / 1000 });
  await writer.append({
    type: 'command_finished',
    payload: { commandId, exitCode: result.exitCode, durationMs: result.durationMs, ...(result.timedOut ? { timedOut: true } : {}) },
  });
  return result;
}

// A NUL: no shell can run it, and the event log cannot store it.
const commandInput = z.object({ command: z.string().trim().min(1, 'must be a non-empty command').refine((command) => !command.includes('\u0000'), 'must not contain a NUL character (U+0000)') });

/** The model's `run_command` tool: install, build, test, read the errors, fix them. */
export function createCommandTool(runner: CommandRunner): Tool {
  return defineTool({
    name: 'run_command',
    description:
      'Run a shell command in the project folder inside its sandbox (e.g. `npm install`, `npm test`, `node build.js`) and get its exit code and output. ' +
      `Commands time out after ${Math.round(runner.timeoutMs / 1000)} s; do not start long-running servers here (the preview starts the app).`,
    input: commandInput,
    async run(input, signal) {
      const result = await runReportedCommand(runner, input.command, signal);
      signal.throwIfAborted();
      const output = result.output.length > OUTPUT_FOR_MODEL ? `…${result.output.slice(-OUTPUT_FOR_MODEL)}` : result.output;
      const status = result.timedOut ? `timed out after ${result.durationMs} ms` : `exit code ${result.exitCode}`;
      return { content: `${status}\n${output}`, isError: result.timedOut || result.exitCode !== 0 };
    },
  });
}
