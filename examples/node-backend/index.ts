/**
 * A customer backend using @everjust/sdk: it creates a project, starts a generation, prints every
 * event as it streams, then the files the session left and where its preview runs.
 *
 *   EVERJUST_API_KEY=ej_test_sk_… EVERJUST_API_URL=http://127.0.0.1:4000 pnpm --filter @everjust/example-node-backend start
 */
import { EverJust, ApiError, type SessionEvent } from '@everjust/sdk';

const apiKey = process.env.EVERJUST_API_KEY;
if (!apiKey) {
  console.error('Set EVERJUST_API_KEY to a secret key (the first `pnpm start` prints a test key: ej_test_sk_…).');
  process.exit(1);
}
const prompt = process.argv.slice(2).join(' ') || 'A todo list where I can add, check off and filter tasks';

const everjust = new EverJust({ apiKey, baseUrl: process.env.EVERJUST_API_URL ?? 'http://127.0.0.1:4000' });

/** One line per event; the model's text as it comes. */
function show(event: SessionEvent): void {
  const at = `#${String(event.seq).padStart(3)}`;
  switch (event.type) {
    case 'text_delta':
      process.stdout.write(event.text);
      return;
    case 'status':
      console.log(`\n${at} status: ${event.status}${event.step ? ` (${event.step})` : ''}${event.message ? ` ${event.message}` : ''}`);
      return;
    case 'file_written':
      console.log(`\n${at} wrote ${event.path} (${event.size} bytes)`);
      return;
    case 'file_deleted':
      console.log(`\n${at} deleted ${event.path}`);
      return;
    case 'command_started':
      console.log(`\n${at} $ ${event.command}`);
      return;
    case 'command_output':
      process.stdout.write(event.text);
      return;
    case 'command_finished':
      console.log(`\n${at} exited ${event.exitCode ?? '?'} after ${event.durationMs} ms${event.timedOut ? ' (timed out)' : ''}`);
      return;
    case 'sandbox_created':
      console.log(`\n${at} sandbox ${event.sandboxId} (${event.provider})`);
      return;
    case 'preview_ready':
      console.log(`\n${at} preview ready: ${event.url}`);
      return;
    case 'preview_failed':
      console.log(`\n${at} preview failed: ${event.reason}`);
      return;
    case 'usage':
      console.log(`\n${at} usage: ${event.usage.inputTokens} tokens in, ${event.usage.outputTokens} out`);
      return;
    case 'error':
      console.log(`\n${at} error ${event.code}: ${event.message}${event.retryable ? ' (retrying)' : ''}`);
      return;
    case 'done':
      console.log(`\n${at} done: ${event.status}`);
      return;
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
  for await (const event of stream) show(event);

  const result = await stream.finalResult();
  console.log(`\n${result.status}: ${result.usage.inputTokens} tokens in, ${result.usage.outputTokens} out, ${result.usage.sandboxSeconds} sandbox seconds`);
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
