/**
 * A customer backend using @everjust/sdk: it creates a project, starts a generation, prints every
 * event as it streams, then the files the session left and where its preview runs.
 *
 *   EVERJUST_API_KEY=ej_test_sk_… EVERJUST_API_URL=http://127.0.0.1:4000 pnpm --filter @everjust/example-node-backend start
 *
 * When the model asks a question (a prompt with `#ask` makes the offline generator ask one), it is
 * asked on the terminal and answered with `sessions.answer`; EVERJUST_ANSWER answers it unattended.
 */
import { createInterface } from 'node:readline/promises';
import { EverJust, ApiError, type QuestionEvent, type SessionEvent } from '@everjust/sdk';

const apiKey = process.env.EVERJUST_API_KEY;
if (!apiKey) {
  console.error('Set EVERJUST_API_KEY to a secret key (the first `pnpm start` prints a test key: ej_test_sk_…).');
  process.exit(1);
}
const prompt = process.argv.slice(2).join(' ') || 'A todo list where I can add, check off and filter tasks';

const everjust = new EverJust({ apiKey, baseUrl: process.env.EVERJUST_API_URL ?? 'http://127.0.0.1:4000' });

/** Whether the cursor is mid-line (after streamed text), so the next event line starts on a new one. */
let midLine = false;

function write(text: string): void {
  process.stdout.write(text);
  midLine = !text.endsWith('\n');
}

function line(text: string): void {
  write(`${midLine ? '\n' : ''}${text}\n`);
}

/** One line per event; the model's text and command output as they come. */
function show(event: SessionEvent): void {
  const at = `#${String(event.seq).padStart(3)}`;
  switch (event.type) {
    case 'text_delta':
      return write(event.text);
    case 'command_output':
      return write(event.text);
    case 'status':
      return line(`${at} status: ${event.status}${event.step ? ` (${event.step})` : ''}${event.message ? ` ${event.message}` : ''}`);
    case 'file_written':
      return line(`${at} wrote ${event.path} (${event.size} bytes)`);
    case 'file_deleted':
      return line(`${at} deleted ${event.path}`);
    case 'command_started':
      return line(`${at} $ ${event.command}`);
    case 'command_finished':
      return line(`${at} exited ${event.exitCode ?? '?'} after ${event.durationMs} ms${event.timedOut ? ' (timed out)' : ''}`);
    case 'sandbox_created':
      return line(`${at} sandbox ${event.sandboxId} (${event.provider})`);
    case 'preview_ready':
      return line(`${at} preview ready: ${event.url}`);
    case 'preview_failed':
      return line(`${at} preview failed: ${event.reason}`);
    case 'usage':
      return line(`${at} usage so far: ${event.usage.inputTokens} tokens in, ${event.usage.outputTokens} out`);
    case 'error':
      return line(`${at} error ${event.code}: ${event.message}${event.retryable ? ' (retrying)' : ''}`);
    case 'question':
      return line(`${at} question: ${event.question}${event.choices.length ? ` [${event.choices.join(' / ')}]` : ''}`);
    case 'done':
      return line(`${at} done: ${event.status}`);
  }
}

/** The end user's answer: EVERJUST_ANSWER, else typed on the terminal (a number picks a choice). */
async function askOnTerminal(question: QuestionEvent): Promise<string> {
  if (process.env.EVERJUST_ANSWER) return process.env.EVERJUST_ANSWER;
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    question.choices.forEach((choice, index) => console.log(`  ${index + 1}. ${choice}`));
    const typed = (await terminal.question('your answer: ')).trim();
    return question.choices[Number(typed) - 1] ?? (typed || question.choices[0] || 'You decide');
  } finally {
    terminal.close();
  }
}

async function main(): Promise<void> {
  const project = await everjust.projects.create({ name: 'Example app', externalUserId: 'example-user', metadata: { source: 'examples/node-backend' } });
  console.log(`project ${project.id} (${project.mode.toLowerCase()} mode)`);

  const session = await everjust.sessions.create({ projectId: project.id, prompt });
  console.log(`session ${session.id}: "${prompt}"`);

  const stream = everjust.sessions.stream(session.id);
  // Ctrl-C stops following (the session itself goes on; cancel it with everjust.sessions.cancel).
  process.once('SIGINT', () => stream.abort());
  for await (const event of stream) {
    show(event);
    // The session waits (no worker held) until it is answered; the stream goes on after the answer.
    if (event.type === 'question') await everjust.sessions.answer(session.id, await askOnTerminal(event));
  }

  const result = await stream.finalResult();
  line(`\n${result.status}: ${result.usage.inputTokens} tokens in, ${result.usage.outputTokens} out, ${result.usage.sandboxSeconds} sandbox seconds`);
  if (result.error) console.log(`error ${result.error.code}: ${result.error.message}`);
  console.log(`\n${result.files.length} files:`);
  for (const file of result.files) console.log(`  ${file.path.padEnd(32)} ${String(file.size).padStart(7)} bytes  ${file.sha.slice(0, 12)}`);
  const entry = result.files.find((file) => file.path === 'index.html') ?? result.files[0];
  if (entry) console.log(`\n--- ${entry.path} ---\n${entry.content.slice(0, 800)}${entry.content.length > 800 ? '\n…' : ''}`);
  console.log(result.previewUrl ? `\npreview: ${result.previewUrl}` : '\nno preview (the sandbox is off, or the preview failed)');
}

main().catch((error: unknown) => {
  if (error instanceof ApiError) console.error(`\n${error.name} (${error.code}, request ${error.requestId ?? 'n/a'}): ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
