import { resolveSecret, type Config, type Logger, type Metrics, type PrismaClient, type PubSub } from '@everjust/core';
import type { LlmProvider } from './llm/llm-provider.js';
import { createLlmSelector } from './llm/select-provider.js';
import { createSandboxSelector } from './sandbox/select-sandbox.js';
import type { SandboxProvider } from './sandbox/sandbox-provider.js';
import { generate, previewOnly } from './tasks/generate.js';
import { stopSandboxJob } from './sandbox/sandbox-manager.js';
import { Worker } from './worker.js';
import { createGitHub } from './git/github.js';
import { createExportTask } from './tasks/export.js';
import { createDeleteAppJob, createDeployTask } from './tasks/deploy.js';
import { createDeploySelector } from './deploy/select-deploy.js';
import type { DeployProvider } from './deploy/deploy-provider.js';
import { createImportTask } from './tasks/import.js';
import { WebhookDeliverer } from './webhooks/deliverer.js';
import type { HostResolver } from './webhooks/target-guard.js';

export { Worker } from './worker.js';
export type { LlmProvider, LlmStreamPart, LlmRequest, LlmMessage } from './llm/llm-provider.js';
export { createOffline } from './llm/offline.js';
export { buildRepairPrompt, MAX_REPAIR_ERRORS, readRepairFiles } from './llm/prompts/repair-prompt.js';
export { createAnthropic } from './llm/anthropic.js';
export type { SandboxFile, SandboxProvider } from './sandbox/sandbox-provider.js';
export { createDaytona } from './sandbox/daytona.js';
export { localSandboxPaths, localSandboxRoot } from './sandbox/local-paths.js';
export { WebhookDeliverer } from './webhooks/deliverer.js';
export type { HostResolver, ResolvedAddress } from './webhooks/target-guard.js';

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
  metrics?: Metrics;
  /** Replaces the deploy providers chosen from config (tests). */
  deploy?: Partial<Record<'live' | 'test', DeployProvider>>;
  /** How webhook targets' host names are resolved (tests); DNS otherwise. */
  webhookResolver?: HostResolver;
}

/** Starts a job runner: in its own process (`worker/src/main.ts`) or inside the embedded API process. */
export async function startWorker(options: StartWorkerOptions): Promise<Worker> {
  const secret = resolveSecret(options.config);
  const deploys = createDeploySelector(options.config, secret, options.deploy);
  const gitProviderFor = (token: string, context: { logger: Logger }) => createGitHub({ token, apiUrl: options.config.github.apiUrl, logger: context.logger });
  const worker = new Worker({
    prisma: options.prisma,
    pubsub: options.pubsub,
    config: options.config,
    logger: options.logger,
    tasks: {
      generate,
      preview: previewOnly,
      export: createExportTask({ secret, gitProviderFor }),
      deploy: createDeployTask({ secret, gitProviderFor, deployProviderFor: deploys.forMode }),
      import: createImportTask({ secret, gitProviderFor }),
    },
    maintenance: { 'sandbox-stop': stopSandboxJob, 'deploy-app-delete': createDeleteAppJob({ secret, deployProviderFor: deploys.forMode }) },
    llmFor: createLlmSelector(options.config, options.llm),
    sandboxes: createSandboxSelector(options.config, secret, options.sandboxes),
    background: [new WebhookDeliverer({ prisma: options.prisma, config: options.config, logger: options.logger.child({ component: 'webhooks' }), secret, resolver: options.webhookResolver })],
    pollIntervalMs: options.pollIntervalMs,
    workerId: options.workerId,
    metrics: options.metrics,
  });
  await worker.start();
  return worker;
}
