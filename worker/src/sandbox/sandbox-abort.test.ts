import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDaytona, type FakeDaytona } from '../../../test-support/fake-daytona.js';
import { createDaytona } from './daytona.js';
import { createLocal, localSandboxRoot } from './local.js';
import type { SandboxProvider } from './sandbox-provider.js';

/**
 * Abort means the same for every provider that runs commands (the contract on SandboxProvider): the call
 * rejects with an `Error` named `AbortError` whose cause is the signal's reason, whether the signal fired
 * during the call or before it; an aborted command is killed, never reported as a result.
 */
let fake: FakeDaytona;
let dataDir: string;
const providers: Array<{ name: string; provider: () => SandboxProvider }> = [];

beforeAll(async () => {
  fake = await startFakeDaytona({ apiKey: 'test-key' });
  fake.onCommand('sleep 60', () => ({ stdout: ['started\n'], runForever: true }));
  dataDir = await mkdtemp(join(tmpdir(), 'everjust-abort-'));
  const local = createLocal({ rootDir: localSandboxRoot(dataDir) });
  const daytona = createDaytona({ apiKey: 'test-key', apiUrl: fake.apiUrl, requestTimeoutMs: 5_000 });
  providers.push({ name: 'local', provider: () => local }, { name: 'daytona', provider: () => daytona });
});

afterAll(async () => {
  for (const { provider } of providers) await provider().close?.();
  await fake.close();
  await rm(localSandboxRoot(dataDir), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const createOptions = { labels: { 'everjust.tenant': 't', 'everjust.project': 'p', 'everjust.mode': 'live' }, autoStopMinutes: 15, autoDeleteMinutes: 60 };

describe.each(['local', 'daytona'])('abort on the %s sandbox', (name) => {
  const provider = () => providers.find((entry) => entry.name === name)!.provider();

  it('rejects a running command with the AbortError, once the output said it started', async () => {
    const { id } = await provider().create(createOptions);
    const controller = new AbortController();
    const running = provider().runCommand(id, {
      command: 'echo started; sleep 60',
      timeoutMs: 30_000,
      signal: controller.signal,
      onOutput: (_stream, text) => {
        if (text.includes('started')) controller.abort('cancelled');
      },
    });
    // Daytona's fake answers `sleep 60` by the script above; local runs the real command.
    await expect(running).rejects.toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    await provider().delete(id);
  });

  it('rejects at once when the signal was aborted before the call', async () => {
    const signal = AbortSignal.abort('too late');
    await expect(provider().create({ ...createOptions, signal })).rejects.toMatchObject({ name: 'AbortError', cause: 'too late' });
    const { id } = await provider().create(createOptions);
    await expect(provider().runCommand(id, { command: 'echo never', timeoutMs: 1_000, signal })).rejects.toMatchObject({ name: 'AbortError', cause: 'too late' });
    await expect(provider().uploadFiles(id, [{ path: 'a.txt', content: 'a' }], signal)).rejects.toMatchObject({ name: 'AbortError', cause: 'too late' });
    await provider().delete(id);
  });
});
