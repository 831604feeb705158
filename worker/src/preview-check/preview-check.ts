import { resolveSecret, screenshotUrlFor, type PreviewCheckError } from '@everjust/core';
import type { TaskContext } from '../tasks/task.js';
import { checkInBrowser } from './browser-check.js';

/**
 * Check before done: after `preview_ready`, when the worker has a browser (EVERJUST_BROWSER), load the
 * preview as its end user gets it, keep its screenshot with the session and emit `preview_checked`
 * with the errors seen. A check that cannot run (the browser missing or crashing, the preview
 * unreachable) is logged and emits nothing: it never fails the session, nor its preview.
 *
 * While the page loads, the preview origin's reporter also records what it sees (`preview_error`
 * events, `Project.previewErrors`), as for any other browser.
 *
 * Returns the errors seen (for the repair rounds), or null when no check ran.
 */
export async function checkPreview(context: TaskContext, url: string): Promise<PreviewCheckError[] | null> {
  const { config, prisma, session, writer, signal, logger } = context;
  if (!config.browser) return null;
  const started = Date.now();
  let result;
  try {
    result = await checkInBrowser({ browserPath: config.browser, url, signal });
    const png = new Uint8Array(result.png);
    await prisma.sessionScreenshot.upsert({
      where: { sessionId: session.id },
      create: { sessionId: session.id, projectId: session.projectId, png },
      update: { png, createdAt: new Date() },
    });
  } catch (error) {
    signal.throwIfAborted();
    logger.warn({ err: error, sessionId: session.id }, 'the preview check could not run; the session goes on without it');
    return null;
  }
  const screenshotUrl = screenshotUrlFor(config.publicUrl, resolveSecret(config), session.id);
  await writer.append({ type: 'preview_checked', payload: { errors: result.errors, screenshotUrl } });
  logger.info({ sessionId: session.id, errors: result.errors.length, ms: Date.now() - started }, 'preview checked');
  return result.errors;
}
