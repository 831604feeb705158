import { previewUrlFor, readProjectFile, resolveSecret, sealSecret, UPSTREAM_HEADERS_CONTEXT, type PreviewCheckError, type Sandbox } from '@everjust/core';
import { checkPreview } from '../preview-check/preview-check.js';
import { ensureSandbox, syncFiles } from '../sandbox/sandbox-manager.js';
import { STATIC_SERVER_COMMAND, type PreviewLink, type SandboxProvider } from '../sandbox/sandbox-provider.js';
import { runReportedCommand, type CommandRunner } from '../tools/command-tool.js';
import type { TaskContext } from './task.js';

/** How long a preview URL is signed for (providers that sign). */
const PREVIEW_TTL_SECONDS = 60 * 60;

class PreviewFailure extends Error {}

/**
 * A runner over the session's sandbox, made on first use and kept for the session: `run_command`
 * and the preview step share one sandbox and one sync.
 */
export function sandboxRunner(context: TaskContext, provider: SandboxProvider): CommandRunner & { sandbox(): Sandbox | undefined } {
  let current: Sandbox | undefined;
  const project = { id: context.session.projectId, tenantId: context.session.tenantId, mode: context.session.mode };
  return {
    provider,
    writer: context.writer,
    timeoutMs: context.config.sandboxes.runCommandTimeoutMs,
    sandbox: () => current,
    async prepare(signal) {
      if (!current) {
        const { sandbox, created } = await ensureSandbox(context.prisma, provider, project, signal);
        current = sandbox;
        if (created) await context.writer.append({ type: 'sandbox_created', payload: { sandboxId: sandbox.externalId!, provider: provider.name } });
      }
      current = (await syncFiles(context.prisma, provider, current, signal)).sandbox;
      return current.externalId!;
    },
  };
}

/**
 * The preview step, last in a session: sync the files, install dependencies when package.json
 * changed, start the app, wait until its port answers, then preview_ready — or preview_failed,
 * which does not fail the session — and, with EVERJUST_BROWSER, preview_checked (preview-check/).
 * Returns the errors the check found (none: a clean load), or null when no check ran.
 */
export async function preview(context: TaskContext, provider: SandboxProvider, runner = sandboxRunner(context, provider)): Promise<PreviewCheckError[] | null> {
  const { writer, signal, prisma, config, session } = context;
  await writer.append({ type: 'status', payload: { status: 'running', step: 'previewing' } });
  const started = Date.now();
  try {
    const sandboxId = await runner.prepare(signal);
    let sandbox = runner.sandbox()!;
    if (provider.canRunCommands) {
      const packageJson = await readProjectFile(prisma, session.projectId, 'package.json');
      const manifest = packageJson ? parseManifest(packageJson) : null;
      const packageSha = (sandbox.syncedFiles as Record<string, string>)['package.json'] ?? null;
      if (manifest && hasDependencies(manifest) && sandbox.installedFor !== packageSha) {
        const install = await runReportedCommand(runner, 'npm install --no-audit --no-fund', signal);
        if (install.exitCode !== 0) throw new PreviewFailure(`npm install failed (${install.timedOut ? 'timed out' : `exit code ${install.exitCode}`}):\n${install.output.slice(-4000)}`);
        sandbox = await prisma.sandbox.update({ where: { id: sandbox.id }, data: { installedFor: packageSha } });
      }
      const port = provider.choosePort ? await provider.choosePort(sandboxId) : 3000;
      const command = manifest?.scripts?.start ? 'npm start' : STATIC_SERVER_COMMAND;
      let output = '';
      await provider.startServer(sandboxId, { command, port, onOutput: (_stream, text) => void (output = (output + text).slice(-4000)) });
      const upstream = await provider.previewUrl(sandboxId, port, PREVIEW_TTL_SECONDS);
      if (!(await waitForAnswer(upstream, config.sandboxes.previewWaitMs, signal))) {
        throw new PreviewFailure(`The app did not answer on port ${port} within ${Math.round(config.sandboxes.previewWaitMs / 1000)} s.${output ? `\n${output}` : ''}`);
      }
      return await ready(context, sandbox, proxiedLink(context, sandbox, upstream), port);
    }
    return await ready(context, sandbox, { link: await provider.previewUrl(sandboxId, 0, PREVIEW_TTL_SECONDS) }, null);
  } catch (error) {
    signal.throwIfAborted();
    const reason = error instanceof PreviewFailure ? error.message : `The preview could not start: ${(error as Error).message}`;
    await writer.append({ type: 'preview_failed', payload: { reason } });
    return null;
  } finally {
    if (provider.canRunCommands) writer.addUsage({ sandboxSeconds: (Date.now() - started) / 1000 });
  }
}

/**
 * A running sandbox's preview as browsers get it: a signed URL on the preview origin, which the API
 * proxies to `upstream` (a localhost port, a Daytona URL and token), so neither ever reaches a browser.
 * Issued after the sandbox's `runningSince`: stopping it revokes the link.
 */
function proxiedLink(context: TaskContext, sandbox: Sandbox, upstream: PreviewLink) {
  const { session, config } = context;
  const expiresAt = new Date(Math.floor(Date.now() / 1000 + PREVIEW_TTL_SECONDS) * 1000);
  const url = previewUrlFor(config.previewUrl, resolveSecret(config), {
    projectId: session.projectId,
    mode: session.mode,
    expiresAt: expiresAt.getTime() / 1000,
    issuedAt: Math.max(Date.now(), sandbox.runningSince?.getTime() ?? 0),
  });
  const headers = upstream.headers && Object.keys(upstream.headers).length > 0 ? sealSecret(resolveSecret(config), JSON.stringify(upstream.headers), UPSTREAM_HEADERS_CONTEXT) : null;
  return { link: { url, expiresAt }, upstream: { url: upstream.url, headers } };
}

async function ready(
  context: TaskContext,
  sandbox: Sandbox,
  preview: { link: { url: string; expiresAt: Date | null }; upstream?: { url: string; headers: string | null } },
  port: number | null,
): Promise<PreviewCheckError[] | null> {
  const { link, upstream } = preview;
  await context.prisma.sandbox.update({
    where: { id: sandbox.id },
    data: {
      previewUrl: link.url,
      previewExpiresAt: link.expiresAt,
      port,
      status: 'running',
      lastActiveAt: new Date(),
      upstreamUrl: upstream?.url ?? null,
      upstreamHeaders: upstream?.headers ?? null,
    },
  });
  await context.writer.append({ type: 'preview_ready', payload: { url: link.url, expiresAt: link.expiresAt?.toISOString() ?? null } });
  // The URL end users get (proxied or static), so the check sees what they see, reporter included.
  return checkPreview(context, link.url);
}

interface Manifest {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function parseManifest(text: string): Manifest {
  try {
    return JSON.parse(text) as Manifest;
  } catch (error) {
    throw new PreviewFailure(`package.json is not valid JSON: ${(error as Error).message}`);
  }
}

const hasDependencies = (manifest: Manifest) => Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).length > 0;

/** Polls the upstream until anything answers over HTTP (even a 404 means the server is up). */
async function waitForAnswer({ url, headers }: PreviewLink, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]), redirect: 'manual' });
      await response.body?.cancel();
      if (response.status < 500) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return false;
}
