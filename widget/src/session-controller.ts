import { newIdempotencyKey } from '@everjust/sdk';
import { isSessionEnded, type SessionEndStatus } from '@everjust/core/session-status';
import { ApiError, widgetError, type ApiClient } from './api-client.js';
import type { WidgetProject, WidgetSession, WidgetSessionEvent } from './operations.js';

/**
 * What the session controller tells the element to show. The element implements it with its parts
 * (build log, file list, preview) and its DOM events; tests implement it with a recorder. Nothing here
 * touches the DOM.
 */
export interface SessionView {
  /** A session is (or is no longer) running: prompts are refused, Cancel is offered. */
  setBusy(busy: boolean, hasProject: boolean): void;
  setBadge(text: string, tone?: 'ok' | 'error'): void;
  /** A line in the build log; `status` marks how a `done` line ended. */
  entry(kind: 'prompt' | 'status' | 'file' | 'command' | 'error' | 'done', text: string, status?: SessionEndStatus): void;
  appendText(text: string): void;
  /** The model's text stops (another event came): the next text starts a new paragraph. */
  endText(): void;
  commandStarted(commandId: string, command: string): void;
  commandOutput(commandId: string, text: string): void;
  showFiles(files: WidgetProject['files']): void;
  fileWritten(path: string, size: number): void;
  fileDeleted(path: string): void;
  fileContent(path: string, content: string | null): void;
  /** The file the end user is looking at, reloaded when the model rewrites it. */
  selectedPath(): string | undefined;
  hasFiles(): boolean;
  showPreview(url: string): void;
  /** Offers to (re)start the preview: files exist but no preview runs. */
  offerPreview(): void;
  previewShown(): boolean;
  /** Whether Retry is offered. */
  setRetry(visible: boolean): void;
  /** The model asks the end user a question: show it with its choices as buttons; the prompt box answers it too. */
  askQuestion(question: string, choices: string[]): void;
  /** The question was answered (here or elsewhere): its buttons go, the prompt box builds again. */
  questionAnswered(): void;
  /** Said to screen readers, not shown. */
  announce(text: string): void;
  ready(projectId: string): void;
  sessionStarted(session: WidgetSession, projectId: string): void;
  sessionEvent(session: WidgetSession, event: WidgetSessionEvent): void;
  sessionEnded(session: WidgetSession, status: SessionEndStatus, error: { code: string; message: string } | null): void;
  /** An error: blocking ones go on the badge and in the log; every one becomes `everjust:error`. */
  fail(error: ApiError, blocking: boolean): void;
}

const formatSize = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`);

/** Any error as the widget's ApiError (code and one-line message). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : widgetError('UNKNOWN', error instanceof Error ? error.message : String(error));
}

/**
 * The builder's session state without the DOM: which project, which session, whether one runs, the
 * last prompt; starting, following (replaying a running build after a reload), cancelling and retrying
 * sessions; turning each event into what the view shows. One per element start: `begin` binds it to a
 * client and a lifecycle signal, whose abort ends every request and stream quietly.
 */
export class SessionController {
  #client?: Pick<ApiClient, 'request' | 'followSession'>;
  #signal?: AbortSignal;
  #stream?: AbortController;
  #projectId?: string;
  #session?: WidgetSession;
  #busy = false;
  #lastPrompt = '';
  /** The session waits for the end user's answer to this question. */
  #question?: string;

  constructor(private readonly view: SessionView) {}

  get projectId(): string | undefined {
    return this.#projectId;
  }
  get session(): WidgetSession | undefined {
    return this.#session;
  }
  get busy(): boolean {
    return this.#busy;
  }
  /** The question the running session waits on (what is sent now answers it), if any. */
  get question(): string | undefined {
    return this.#question;
  }

  /** Forgets everything and binds to `client` (none: the element is misconfigured) until `signal` aborts. */
  begin(client: Pick<ApiClient, 'request' | 'followSession'> | undefined, signal: AbortSignal): void {
    this.stop();
    this.#client = client;
    this.#signal = signal;
    this.#projectId = undefined;
    this.#session = undefined;
    this.#lastPrompt = '';
    this.#question = undefined;
  }

  stop(): void {
    this.#stream?.abort();
    this.#busy = false;
  }

  /** Loads the project (files, preview, latest session) and follows a build still running. */
  async load(projectId: string): Promise<void> {
    const signal = this.#signal;
    if (!this.#client) throw widgetError('CONFIGURATION', 'The widget has no API client: set api-url');
    const { project } = await this.#client.request<{ project: WidgetProject }>('project', { projectId }, signal);
    if (signal?.aborted) return;
    this.#projectId = project.id;
    this.view.showFiles(project.files);
    const preview = project.sandbox?.previewUrl;
    const expiresAt = project.sandbox?.previewExpiresAt;
    if (preview && (!expiresAt || Date.parse(expiresAt) > Date.now())) this.view.showPreview(preview);
    else if (project.files.length > 0) this.view.offerPreview();
    const latest = project.sessions.edges[0]?.node;
    this.#setBusy(false);
    this.view.ready(project.id);
    if (latest) this.#lastPrompt = latest.prompt;
    if (latest && !isSessionEnded(latest.status)) {
      // A build still running (the page was reloaded): replay its log and follow it.
      this.view.entry('prompt', latest.prompt || 'Preview');
      void this.#follow(latest);
    } else if (latest) {
      this.#session = latest;
    }
  }

  /**
   * Starts a generation; resolves false when it could not start (the view was told why). While the
   * session waits on a question, what is sent answers it instead.
   */
  async send(prompt: string): Promise<boolean> {
    const text = prompt.trim();
    if (this.#question !== undefined && text) return this.answer(text);
    if (!this.#client || !this.#projectId || this.#busy || !text) return false;
    const signal = this.#signal;
    this.#lastPrompt = text;
    this.#setBusy(true);
    this.view.entry('prompt', text);
    try {
      const { startSession } = await this.#client.request<{ startSession: WidgetSession }>(
        'startSession',
        { input: { projectId: this.#projectId, prompt: text, idempotencyKey: newIdempotencyKey() } },
        signal,
      );
      if (!signal?.aborted) this.#started(startSession);
      return true;
    } catch (error) {
      if (signal?.aborted) return true;
      this.#setBusy(false);
      this.fail(error);
      return false;
    }
  }

  /**
   * Answers the question the session waits on (a choice's text, or what the end user typed): the
   * session is queued again and its stream goes on. False when there is no question or the answer was
   * refused (answered elsewhere first, say: the stream then says how it went on).
   */
  async answer(text: string): Promise<boolean> {
    const answer = text.trim();
    if (!this.#client || !this.#session || this.#question === undefined || !answer) return false;
    const session = this.#session;
    try {
      await this.#client.request('answerSession', { input: { sessionId: session.id, answer } }, this.#signal);
      if (session === this.#session) this.#answered();
      return true;
    } catch (error) {
      this.fail(error, false);
      return false;
    }
  }

  /** Cancels the running session; false when the request failed (the view was told). */
  async cancel(): Promise<boolean> {
    if (!this.#client || !this.#session || !this.#busy || isSessionEnded(this.#session.status)) return false;
    this.view.setBadge('Cancelling…');
    try {
      await this.#client.request('cancelSession', { input: { id: this.#session.id } }, this.#signal);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /** Sends the last prompt again; false when there is none (or no project yet: the element starts over). */
  async retry(): Promise<boolean> {
    if (!this.#projectId || !this.#client || !this.#lastPrompt) return false;
    return this.send(this.#lastPrompt);
  }

  /** Starts the project's preview again on its current files (a session of kind `preview`). */
  async startPreview(): Promise<void> {
    if (!this.#client || !this.#projectId || this.#busy) return;
    const signal = this.#signal;
    this.#setBusy(true);
    this.view.entry('status', 'Starting the preview…');
    try {
      const { startPreview } = await this.#client.request<{ startPreview: WidgetSession }>('startPreview', { input: { projectId: this.#projectId, idempotencyKey: newIdempotencyKey() } }, signal);
      if (!signal?.aborted) this.#started(startPreview);
    } catch (error) {
      if (signal?.aborted) return;
      this.#setBusy(false);
      this.fail(error);
    }
  }

  /** Shows a file's content (selected in the list, or rewritten while selected). */
  async openFile(path: string): Promise<void> {
    if (!this.#client || !this.#projectId) return;
    try {
      const { project } = await this.#client.request<{ project: { file: { path: string; content: string } | null } }>('file', { projectId: this.#projectId, path }, this.#signal);
      this.view.fileContent(path, project.file?.content ?? null);
    } catch (error) {
      this.fail(error, false);
    }
  }

  /** Reports an error to the view; a blocking one before the project loaded leaves the widget in `error` with Retry. */
  fail(error: unknown, blocking = true): void {
    this.view.fail(asApiError(error), blocking);
    if (blocking && !this.#projectId) this.view.setRetry(true);
  }

  #started(session: WidgetSession): void {
    this.view.sessionStarted(session, this.#projectId!);
    void this.#follow(session);
  }

  async #follow(session: WidgetSession): Promise<void> {
    this.#stream?.abort();
    const stream = (this.#stream = new AbortController());
    this.#signal?.addEventListener('abort', () => stream.abort(), { once: true });
    this.#answered(); // another session's question is not this one's (a waiting session's comes back in its replay)
    this.#session = session;
    this.#setBusy(true);
    const preview = session.kind === 'preview';
    this.view.setBadge(preview ? 'Starting the preview…' : 'Building…');
    this.view.announce(preview ? 'Starting the preview' : 'Build started');
    try {
      await this.#client!.followSession(session.id, {
        signal: stream.signal,
        onEvent: (event) => this.#handle(session, event),
        onReconnect: () => this.view.setBadge('Reconnecting…'),
      });
      // Completed without a `done` we saw (it came before a reconnect): read how it ended.
      if (!stream.signal.aborted && !isSessionEnded(session.status)) {
        const { session: latest } = await this.#client!.request<{ session: WidgetSession }>('session', { sessionId: session.id }, stream.signal);
        if (isSessionEnded(latest.status)) this.#finish(session, latest.status, latest.error);
      }
    } catch (error) {
      if (stream.signal.aborted) return;
      this.#setBusy(false);
      this.view.setRetry(Boolean(this.#lastPrompt));
      this.fail(error);
    }
  }

  #handle(session: WidgetSession, event: WidgetSessionEvent): void {
    const view = this.view;
    view.sessionEvent(session, event);
    if (event.type !== 'text_delta') view.endText();
    switch (event.type) {
      case 'status': {
        if (event.status === 'running') session.status = 'running';
        if (event.step === 'answered') {
          // The answer (from this widget or another client): it goes in the log as the end user's words.
          session.status = 'queued';
          this.#answered();
          view.entry('prompt', event.statusMessage ?? 'Answered');
          view.setBadge('Building…');
          break;
        }
        const step = event.statusMessage ?? event.step;
        view.setBadge(step ? `Running: ${step}` : event.status === 'queued' ? 'Queued…' : 'Running…');
        if (step || event.status === 'queued') view.entry('status', step ?? 'Queued');
        break;
      }
      case 'text_delta':
        view.appendText(event.text ?? '');
        break;
      case 'file_written':
        view.fileWritten(event.path!, event.size ?? 0);
        view.entry('file', `${event.path} (${formatSize(event.size ?? 0)})`);
        if (event.path === view.selectedPath()) void this.openFile(event.path!);
        break;
      case 'file_deleted':
        view.fileDeleted(event.path!);
        view.entry('file', `Deleted ${event.path}`);
        break;
      case 'command_started':
        view.commandStarted(event.commandId!, event.command ?? '');
        break;
      case 'command_output':
        view.commandOutput(event.commandId!, event.text ?? '');
        break;
      case 'command_finished':
        view.entry('command', event.timedOut ? 'Timed out' : `Exited with ${event.exitCode ?? 'no code'} in ${((event.durationMs ?? 0) / 1000).toFixed(1)} s`);
        break;
      case 'preview_ready':
        view.showPreview(event.url!);
        view.entry('status', 'Preview ready');
        view.announce('Preview ready');
        break;
      case 'preview_failed':
        view.entry('error', `Preview failed: ${event.reason}`);
        view.offerPreview();
        break;
      case 'error':
        view.entry('error', event.message ?? 'Error');
        break;
      case 'question':
        session.status = 'waiting_for_input';
        this.#question = event.question ?? '';
        view.askQuestion(this.#question, event.choices ?? []);
        view.setBadge('Waiting for your answer');
        view.announce(`Question: ${this.#question}`);
        break;
      case 'done':
        this.#finish(session, event.status as SessionEndStatus, event.error ?? null);
        break;
    }
  }

  #answered(): void {
    if (this.#question === undefined) return;
    this.#question = undefined;
    this.view.questionAnswered();
  }

  #finish(session: WidgetSession, status: SessionEndStatus, error: { code: string; message: string } | null): void {
    if (session !== this.#session) return;
    session.status = status;
    this.#answered(); // a question left unanswered (cancelled, expired) is not one any more
    this.#setBusy(false);
    const what = session.kind === 'preview' ? 'Preview' : 'Build';
    this.view.entry('done', `${what} ${status}${error ? `: ${error.message}` : ''}`, status);
    this.view.setBadge(`${what} ${status}`, status === 'succeeded' ? 'ok' : status === 'failed' ? 'error' : undefined);
    this.view.announce(`${what} ${status}`);
    this.view.setRetry(status !== 'succeeded' && Boolean(this.#lastPrompt) && session.kind === 'generate');
    if (!this.view.previewShown() && this.view.hasFiles()) this.view.offerPreview();
    this.view.sessionEnded(session, status, error);
  }

  #setBusy(busy: boolean): void {
    this.#busy = busy;
    this.view.setBusy(busy, Boolean(this.#projectId));
  }
}
