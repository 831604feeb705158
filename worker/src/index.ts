import { resolveSecret, type Config, type Logger, type PrismaClient, type PubSub } from '@everjust/core';
import type { LlmProvider } from './llm/llm-provider.js';
import { createLlmSelector } from './llm/select-provider.js';
import { createSandboxSelector } from './sandbox/select-sandbox.js';
import type { SandboxProvider } from './sandbox/sandbox-provider.js';
import { generate, previewOnly } from './tasks/generate.js';
import { stopSandboxJob } from './sandbox/sandbox-manager.js';
import { Worker } from './worker.js';

export { Worker } from './worker.js';
export type { LlmProvider, LlmStreamPart, LlmRequest, LlmMessage } from './llm/llm-provider.js';
export { createOffline } from './llm/offline.js';
export { createAnthropic } from './llm/anthropic.js';
export type { SandboxProvider } from './sandbox/sandbox-provider.js';

export interface StartWorkerOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  config: Config;
  logger: Logger;
  /** Replaces the providers chosen from config (tests, benchmarks). */
  llm?: { offline?: LlmProvider; anthropic?: LlmProvider };
  /** Replaces sandbox providers chosen from config (tests: a Daytona SDK pointed at a fake). */
  sandboxes?: Partial<Record<'local' | 'daytona' | 'static', SandboxProvider>>;
  pollIntervalMs?: number;
  workerId?: string;
}

/** Starts a job runner: in its own process (`worker/src/main.ts`) or inside the embedded API process. */
export async function startWorker(options: StartWorkerOptions): Promise<Worker> {
  const worker = new Worker({
    prisma: options.prisma,
    pubsub: options.pubsub,
    config: options.config,
    logger: options.logger,
    tasks: { generate, preview: previewOnly },
    maintenance: { 'sandbox-stop': stopSandboxJob },
    llmFor: createLlmSelector(options.config, options.llm),
    sandboxes: createSandboxSelector(options.config, resolveSecret(options.config), options.sandboxes),
    pollIntervalMs: options.pollIntervalMs,
    workerId: options.workerId,
  });
  await worker.start();
  return worker;
}
