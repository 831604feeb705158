import { chromium, type Browser } from 'playwright-core';
import type { PreviewCheckError } from '@everjust/core';

/** The flags that work for Debian's chromium in containers and CI (docs/toolchain.md). */
const CHROMIUM_ARGS = ['--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The page is generated code: Chromium's own sandbox should contain it. Chromium refuses to start its
 * sandbox as root, so only a worker running as root (CI containers, this repository's dev machines)
 * turns it off; a production worker should run as another user (docs/operations.md).
 */
const sandboxArgs = () => (process.getuid?.() === 0 ? ['--no-sandbox'] : []);

/** The widget's preview is about this wide; the screenshot is what an end user would see first. */
const VIEWPORT = { width: 1280, height: 800 };
/** Errors kept per check, and characters per message: enough to act on, bounded for the event log. */
const MAX_ERRORS = 50;
const MAX_MESSAGE = 1000;

export interface BrowserCheckOptions {
  /** The Chromium executable (EVERJUST_BROWSER). */
  browserPath: string;
  /** The preview URL as end users get it (on the preview origin, with its token). */
  url: string;
  /** How long to wait for the network to settle before the screenshot (the "at most 5 s"). */
  settleMs?: number;
  /** Longest the browser may take to start, and to take the screenshot. */
  stepTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface BrowserCheckResult {
  errors: PreviewCheckError[];
  /** A PNG of the viewport once the network settled (or `settleMs` passed). */
  png: Buffer;
}

/**
 * Loads `url` in a fresh headless Chromium as an end user's browser would and reports what went wrong
 * while it loaded: uncaught errors, `console.error` calls, and requests that failed or answered 4xx/5xx.
 * A page that keeps the network busy is screenshot after `settleMs` anyway. Throws when the check itself
 * cannot run (no browser, a crash, the preview not reachable at all): the caller decides what that means.
 *
 * Sources are made relative to the preview URL, since its token is a credential and must not reach the
 * event log. A browser per check keeps checks isolated (no cache, storage or service worker shared
 * between projects); it costs about a second.
 */
export async function checkInBrowser(options: BrowserCheckOptions): Promise<BrowserCheckResult> {
  const settleMs = options.settleMs ?? 5000;
  const stepTimeoutMs = options.stepTimeoutMs ?? 15_000;
  options.signal?.throwIfAborted();
  const base = new URL('./', options.url).href;
  const local = (address: string | undefined) => (address ? (address.startsWith(base) ? `/${address.slice(base.length)}` : address) : undefined);
  const clean = (text: string) => text.split(base).join('/').slice(0, MAX_MESSAGE);

  const browser: Browser = await chromium.launch({ executablePath: options.browserPath, headless: true, args: [...CHROMIUM_ARGS, ...sandboxArgs()], timeout: stepTimeoutMs });
  const onAbort = () => void browser.close().catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const errors: PreviewCheckError[] = [];
    const add = (error: PreviewCheckError) => {
      if (errors.length >= MAX_ERRORS) return;
      const source = local(error.source);
      // Our own reporter is part of the preview origin, not of the app: a position inside it says nothing.
      const ours = source?.startsWith('/__everjust/');
      errors.push({ kind: error.kind, message: clean(error.message), ...(source && !ours ? { source } : {}), ...(error.line && !ours ? { line: error.line } : {}) });
    };
    page.on('pageerror', (error) => add({ kind: 'error', message: error.message || String(error), ...positionOf(error.stack) }));
    page.on('console', (message) => {
      // Chromium's own note about a failed load duplicates the request below.
      if (message.type() !== 'error' || message.text().startsWith('Failed to load resource')) return;
      const location = message.location();
      add({ kind: 'console.error', message: message.text(), ...(location.url ? { source: location.url, line: location.lineNumber + 1 } : {}) });
    });
    page.on('requestfailed', (request) => add({ kind: 'request', message: `${request.method()} ${local(request.url())} failed: ${request.failure()?.errorText ?? 'unknown error'}`, source: request.url() }));
    page.on('response', (response) => {
      if (response.status() >= 400) add({ kind: 'request', message: `${response.request().method()} ${local(response.url())} answered ${response.status()}`, source: response.url() });
    });

    try {
      await page.goto(options.url, { waitUntil: 'networkidle', timeout: settleMs });
    } catch (error) {
      // Still busy after settleMs: check the page as it is. Anything else (unreachable, crashed) is no check.
      if ((error as Error).name !== 'TimeoutError') throw error;
    }
    options.signal?.throwIfAborted();
    const png = await page.screenshot({ type: 'png', timeout: stepTimeoutMs });
    return { errors, png };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await browser.close().catch(() => undefined);
  }
}

/** The first `url:line:column` of a stack: where an uncaught error was thrown. */
function positionOf(stack: string | undefined): { source?: string; line?: number } {
  const found = /(https?:\/\/[^\s()]+?):(\d+):\d+/.exec(stack ?? '');
  return found ? { source: found[1], line: Number(found[2]) } : {};
}
