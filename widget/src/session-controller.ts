import { newIdempotencyKey } from '@everjust/sdk';
import { isSessionEnded, type SessionEndStatus } from '@everjust/core/session-status';
import { ApiError, widgetError, type ApiClient } from './api-client.js';
import type { WidgetProject, WidgetSession, WidgetSessionEvent, WidgetSessionPage } from './operations.js';
import { DEFAULT_STRINGS, fill, type WidgetStrings } from './strings.js';
import type { TurnView } from './thread.part.js';
import type { Version } from './versions.part.js';
import { describeError, type WidgetErrorInfo } from './widget-errors.js';

/**
 * What the session controller tells the element to show. The element implements it with its parts
 * (thread, files, preview, versions) and its DOM events; tests implement it with a recorder. Nothing
 * here touches the DOM.
 */
export interface SessionView {
  /** A session is (or is no longer) running: prompts are refused, Cancel is offered. */
  setBusy(busy: boolean, hasProject: boolean): void;
  setBadge(text: string, tone?: 'ok' | 'error'): void;
  /** The turn of a session in the conversation: at the end (live, or the newest history) or at the top (earlier history). */
  turn(session: WidgetSession, at: 'end' | 'start'): TurnView & { live(): void; restore(reply: string | null, status: SessionEndStatus, text: string, loadSteps: () => void): void };
  /** Whether older sessions remain (the "Show earlier" button). */
  setHasEarlier(hasEarlier: boolean): void;
  showFiles(files: WidgetProject['files']): void;
  fileWritten(path: string, size: number): void;
  fileDeleted(path: string): void;
  /** A file's content, and what it was before its last change (null: new, or no earlier version known). */
  fileContent(path: string, content: string | null, previous: string | null): void;
  /** The file the end user is looking at, reloaded when the model rewrites it. */
  selectedPath(): string | undefined;
  hasFiles(): boolean;
  showPreview(url: string): void;
  /** The files behind the preview changed without a new URL (a restore): load it again. */
  reloadPreview(): void;
  /** Offers to (re)start the preview: files exist but no preview runs. */
  offerPreview(): void;
  previewShown(): boolean;
  /** The versions (newest first) and which one the files are now; `more` appends older ones. */
  showVersions(versions: Version[], current?: string, more?: boolean): void;
  versionAdded(version: Version): void;
  versionRestored(sessionId: string, projectId: string): void;
  /** Whether Retry is offered. */
  setRetry(visible: boolean): void;
  /** A version's preview in place of the current one, until the end user goes back. */
  showVersionPreview(url: string, sessionId: string): void;
  /** A download to hand to the browser (the `download` feature). */
  saveFile(blob: Blob, filename: string): void;
  /** The project's app is live at `url` (on load, or when a deploy went live: then `deploymentId` is set). */
  showLive(url: string, deploymentId?: string): void;
  /** How a deploy is going (a phase, or that it failed; empty: nothing to say). */
  deployStatus(text: string, tone?: 'error'): void;
  /** Said to screen readers, not shown. */
  announce(text: string): void;
  ready(projectId: string): void;
  sessionStarted(session: WidgetSession, projectId: string): void;
  sessionEvent(session: WidgetSession, event: WidgetSessionEvent): void;
  sessionEnded(session: WidgetSession, status: SessionEndStatus, error: { code: string; message: string } | null): void;
  /** An error: blocking ones go on the badge and in the thread; every one becomes `everjust:error`. */
  fail(error: WidgetErrorInfo, blocking: boolean): void;
}

const formatSize = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`);

/** Any error as the widget's ApiError (code and one-line message). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : widgetError('UNKNOWN', error instanceof Error ? error.message : String(error));
}

type Client = Pick<ApiClient, 'request' | 'followSession'> & Partial<Pick<ApiClient, 'download'>>;

/** A session that succeeded with a generation is a version: its snapshot can be restored. */
const asVersion = (session: WidgetSession, strings: WidgetStrings): Version | undefined =>
  session.kind === 'generate' && session.status === 'succeeded'
    ? { sessionId: session.id, prompt: promptOf(session, strings), at: session.endedAt ?? session.createdAt, screenshotUrl: session.screenshotUrl ?? null }
    : undefined;
const versionsOf = (sessions: WidgetSession[], strings: WidgetStrings) => sessions.map((session) => asVersion(session, strings)).filter((version): version is Version => version !== undefined);

/** How the API's repair prompt (`fixPreviewErrors`) starts: such a session shows as "Fix the errors in the app", not as that long text. */
const REPAIR_PROMPT_MARKER = '[preview repair]';

/** What a session's turn and version show as its prompt. */
function promptOf(session: Pick<WidgetSession, 'kind' | 'prompt'>, strings: WidgetStrings): string {
  if (session.prompt.startsWith(REPAIR_PROMPT_MARKER)) return strings.fixPrompt;
  if (session.kind === 'deploy') return strings.deployStep;
  return session.prompt || (session.kind === 'preview' ? strings.previewStep : '');
}

/** A deployment phase in the end user's words (`strings.phaseBuilding`, …); one the widget does not know, as the API says it. */
const PHASE_KEYS: Record<string, keyof WidgetStrings> = {
  PENDING_BUILD: 'phasePendingBuild',
  BUILDING: 'phaseBuilding',
  PENDING_DEPLOY: 'phasePendingDeploy',
  DEPLOYING: 'phaseDeploying',
  ACTIVE: 'phaseActive',
  ERROR: 'phaseError',
  CANCELED: 'phaseCanceled',
};

/**
 * The builder's session state without the DOM: which project, which session, whether one runs, the
 * last prompt; the conversation's history (paged), the versions and restoring one; starting,
 * following (replaying a running build after a reload), cancelling and retrying sessions; turning each
 * event into what the view shows. One per element start: `begin` binds it to a client and a lifecycle
 * signal, whose abort ends every request and stream quietly.
 */
export class SessionController {
  #client?: Client;
  #signal?: AbortSignal;
  #stream?: AbortController;
  #projectId?: string;
  #session?: WidgetSession;
  #busy = false;
  #lastPrompt = '';
  #earlierCursor: string | null = null;

  constructor(
    private readonly view: SessionView,
    private readonly strings: () => WidgetStrings = () => DEFAULT_STRINGS,
    /** The page's origin, named in the error a token for another origin gets. */
    private readonly origin: () => string = () => (typeof location === 'undefined' ? '' : location.origin),
  ) {}

  get projectId(): string | undefined {
    return this.#projectId;
  }
  get session(): WidgetSession | undefined {
    return this.#session;
  }
  get busy(): boolean {
    return this.#busy;
  }

  /** Forgets everything and binds to `client` (none: the element is misconfigured) until `signal` aborts. */
  begin(client: Client | undefined, signal: AbortSignal): void {
    this.stop();
    this.#client = client;
    this.#signal = signal;
    this.#projectId = undefined;
    this.#session = undefined;
    this.#lastPrompt = '';
    this.#earlierCursor = null;
  }

  stop(): void {
    this.#stream?.abort();
    this.#busy = false;
  }

  /** Loads the project (files, preview, the latest sessions as the conversation and versions) and follows a build still running. */
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
    const sessions = project.sessions.edges.map((edge) => edge.node);
    const [latest] = sessions;
    this.#setBusy(false);
    this.#history(project.sessions, 'end');
    this.view.showVersions(versionsOf(sessions, this.strings()));
    if (project.deployment?.liveUrl) this.view.showLive(project.deployment.liveUrl);
    this.view.ready(project.id);
    // Retry sends the end user's own last prompt, not a repair's or a deploy's.
    const own = sessions.find((session) => session.kind === 'generate' && !session.prompt.startsWith(REPAIR_PROMPT_MARKER));
    if (own) this.#lastPrompt = own.prompt;
    if (latest && !isSessionEnded(latest.status)) {
      // A build still running (the page was reloaded): replay its log and follow it.
      void this.#follow(latest);
    } else if (latest) {
      this.#session = latest;
    }
  }

  /** Loads the page of sessions before the oldest one shown (the "Show earlier" button). */
  async loadEarlier(): Promise<void> {
    if (!this.#client || !this.#projectId || !this.#earlierCursor) return;
    try {
      const { project } = await this.#client.request<{ project: { sessions: WidgetSessionPage } }>('sessions', { projectId: this.#projectId, after: this.#earlierCursor }, this.#signal);
      this.#history(project.sessions, 'start');
      this.view.showVersions(versionsOf(project.sessions.edges.map((edge) => edge.node), this.strings()), undefined, true);
    } catch (error) {
      this.fail(error, false);
    }
  }

  /** Starts a generation (with images, base64 data URLs); resolves false when it could not start (the view was told why). */
  async send(prompt: string, attachments: Array<{ data: string }> = []): Promise<boolean> {
    const text = prompt.trim();
    if (!this.#client || !this.#projectId || this.#busy || !text) return false;
    this.#lastPrompt = text;
    return this.#start('startSession', { input: { projectId: this.#projectId, prompt: text, idempotencyKey: newIdempotencyKey(), ...(attachments.length ? { attachments } : {}) } });
  }

  /** Starts a generation that repairs the errors the app's preview reported (`fixPreviewErrors`); false when it could not start. */
  async fixPreviewErrors(): Promise<boolean> {
    if (!this.#client || !this.#projectId || this.#busy) return false;
    return this.#start('startSession', { input: { projectId: this.#projectId, fixPreviewErrors: true, idempotencyKey: newIdempotencyKey() } });
  }

  /** Deploys the project's current files (a session of kind `deploy`; the token must carry DEPLOY); false when it could not start. */
  async deploy(): Promise<boolean> {
    if (!this.#client || !this.#projectId || this.#busy) return false;
    this.view.deployStatus(this.strings().deploying);
    const started = await this.#start('deployProject', { projectId: this.#projectId, idempotencyKey: newIdempotencyKey() });
    if (!started) this.view.deployStatus('');
    return started;
  }

  /** Runs a mutation that starts a session and follows it; false when it was refused (the view was told). */
  async #start(operation: 'startSession' | 'deployProject' | 'startPreview', variables: Record<string, unknown>): Promise<boolean> {
    const signal = this.#signal;
    this.#setBusy(true);
    try {
      const answer = await this.#client!.request<Record<string, WidgetSession>>(operation, variables, signal);
      if (!signal?.aborted) this.#started(answer[operation]!);
      return true;
    } catch (error) {
      if (signal?.aborted) return true;
      this.#setBusy(false);
      this.fail(error);
      return false;
    }
  }

  /** Cancels the running session; false when the request failed (the view was told). */
  async cancel(): Promise<boolean> {
    if (!this.#client || !this.#session || !this.#busy || isSessionEnded(this.#session.status)) return false;
    this.view.setBadge(this.strings().cancelling);
    try {
      await this.#client.request('cancelSession', { input: { id: this.#session.id } }, this.#signal);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /** Sends the last prompt again (without its images); false when there is none (or no project yet: the element starts over). */
  async retry(): Promise<boolean> {
    if (!this.#projectId || !this.#client || !this.#lastPrompt) return false;
    return this.send(this.#lastPrompt);
  }

  /** Starts the project's preview again on its current files (a session of kind `preview`). */
  async startPreview(): Promise<void> {
    if (!this.#client || !this.#projectId || this.#busy) return;
    await this.#start('startPreview', { input: { projectId: this.#projectId, idempotencyKey: newIdempotencyKey() } });
  }

  /** Puts the project's files back as a version (a succeeded session) left them; false when refused (the view was told). */
  async restore(sessionId: string): Promise<boolean> {
    if (!this.#client || !this.#projectId || this.#busy) return false;
    try {
      const { restoreSnapshot } = await this.#client.request<{ restoreSnapshot: Pick<WidgetProject, 'id' | 'files' | 'sandbox'> }>('restoreSnapshot', { input: { sessionId } }, this.#signal);
      this.view.showFiles(restoreSnapshot.files);
      if (this.view.previewShown()) this.view.reloadPreview();
      else if (restoreSnapshot.files.length > 0) this.view.offerPreview();
      this.view.versionRestored(sessionId, restoreSnapshot.id);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /** Answers the question the session waits on; false when refused (the view was told). */
  async answer(session: WidgetSession, answer: string): Promise<boolean> {
    if (!this.#client) return false;
    try {
      await this.#client.request('answerSession', { input: { sessionId: session.id, answer } }, this.#signal);
      return true;
    } catch (error) {
      this.fail(error, false);
      return false;
    }
  }

  /** Shows a version (a succeeded session's snapshot) in the preview, whatever the project has now. */
  async previewVersion(sessionId: string): Promise<void> {
    if (!this.#client) return;
    try {
      const { session } = await this.#client.request<{ session: { id: string; previewUrl: string | null } }>('sessionPreview', { sessionId }, this.#signal);
      if (session.previewUrl) this.view.showVersionPreview(session.previewUrl, sessionId);
    } catch (error) {
      this.fail(error, false);
    }
  }

  /** Downloads the project's current files, or a version's (`sessionId`), as a ZIP; the view saves it. */
  async download(sessionId?: string): Promise<void> {
    if (!this.#client?.download || !this.#projectId) return;
    try {
      const { blob, filename } = await this.#client.download(sessionId ? `/v1/sessions/${sessionId}/archive.zip` : `/v1/projects/${this.#projectId}/archive.zip`, this.#signal);
      this.view.saveFile(blob, filename);
    } catch (error) {
      this.fail(error, false);
    }
  }

  /** Shows a file's content (selected in the list, or rewritten while selected). */
  async openFile(path: string): Promise<void> {
    if (!this.#client || !this.#projectId) return;
    try {
      const { project } = await this.#client.request<{ project: { file: { path: string; content: string } | null; previousFile?: { content: string } | null } }>(
        'file',
        { projectId: this.#projectId, path },
        this.#signal,
      );
      this.view.fileContent(path, project.file?.content ?? null, project.previousFile?.content ?? null);
    } catch (error) {
      this.fail(error, false);
    }
  }

  /** Reports an error to the view; a blocking one before the project loaded leaves the widget in `error` with Retry. */
  fail(error: unknown, blocking = true): void {
    this.view.fail(describeError(asApiError(error), this.strings(), this.origin()), blocking);
    if (blocking && !this.#projectId) this.view.setRetry(true);
  }

  /** Puts a page of sessions (newest first) into the thread: at its end on load, at its top for earlier ones. */
  #history(page: WidgetSessionPage, at: 'end' | 'start'): void {
    const sessions = page.edges.map((edge) => edge.node);
    // The thread reads oldest first; inserting at the top goes newest first so the oldest ends up on top.
    const ordered = at === 'end' ? [...sessions].reverse() : sessions;
    for (const session of ordered) {
      if (!isSessionEnded(session.status)) continue; // the one running is followed live
      const turn = this.view.turn({ ...session, prompt: promptOf(session, this.strings()) }, at);
      turn.restore(session.reply ?? null, session.status as SessionEndStatus, this.#outcome(session, session.status as SessionEndStatus, session.error), () => void this.#replay(session, turn));
    }
    this.#earlierCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    this.view.setHasEarlier(this.#earlierCursor !== null);
  }

  /** Fills an ended session's turn with its steps, replayed from its event log (opened details). */
  async #replay(session: WidgetSession, turn: TurnView): Promise<void> {
    try {
      await this.#client!.followSession(session.id, {
        signal: this.#signal,
        onEvent: (event) => {
          if (event.type !== 'text_delta' && event.type !== 'done') this.#step(turn, event, false);
        },
      });
    } catch (error) {
      if (!this.#signal?.aborted) this.fail(error, false);
    }
  }

  #started(session: WidgetSession): void {
    this.view.sessionStarted(session, this.#projectId!);
    void this.#follow(session);
  }

  async #follow(session: WidgetSession): Promise<void> {
    this.#stream?.abort();
    const stream = (this.#stream = new AbortController());
    this.#signal?.addEventListener('abort', () => stream.abort(), { once: true });
    this.#session = session;
    this.#setBusy(true);
    const strings = this.strings();
    const turn = this.view.turn({ ...session, prompt: promptOf(session, strings) }, 'end');
    turn.live();
    const doing = session.kind === 'preview' ? strings.startingPreview : session.kind === 'deploy' ? strings.deploying : strings.building;
    this.view.setBadge(doing);
    this.view.announce(doing);
    try {
      await this.#client!.followSession(session.id, {
        signal: stream.signal,
        onEvent: (event) => this.#handle(session, turn, event),
        onReconnect: () => this.view.setBadge(this.strings().reconnecting),
      });
      // Completed without a `done` we saw (it came before a reconnect): read how it ended.
      if (!stream.signal.aborted && !isSessionEnded(session.status)) {
        const { session: latest } = await this.#client!.request<{ session: WidgetSession }>('session', { sessionId: session.id }, stream.signal);
        if (isSessionEnded(latest.status)) this.#finish(session, turn, latest.status, latest.error);
      }
    } catch (error) {
      if (stream.signal.aborted) return;
      this.#setBusy(false);
      this.view.setRetry(Boolean(this.#lastPrompt));
      this.fail(error);
    }
  }

  #handle(session: WidgetSession, turn: TurnView, event: WidgetSessionEvent): void {
    const view = this.view;
    const strings = this.strings();
    view.sessionEvent(session, event);
    if (event.type !== 'text_delta') turn.endText();
    switch (event.type) {
      case 'status': {
        if (event.status === 'running' || event.status === 'queued') session.status = event.status;
        if (event.step === 'answered') {
          // The question was answered (here or elsewhere): the model continues.
          turn.answered(event.statusMessage ?? '');
          view.setBadge(strings.queued);
          return;
        }
        const step = event.statusMessage ?? event.step;
        view.setBadge(step ? fill(strings.runningStep, { step }) : event.status === 'queued' ? strings.queued : strings.running);
        break;
      }
      case 'question':
        session.status = 'waiting_for_input';
        turn.question(event.question ?? '', event.choices ?? [], (answer) => this.answer(session, answer));
        view.setBadge(strings.waitingForAnswer);
        view.announce(event.question ?? strings.waitingForAnswer);
        return;
      case 'text_delta':
        turn.appendText(event.text ?? '');
        return;
      case 'file_written':
        view.fileWritten(event.path!, event.size ?? 0);
        if (event.path === view.selectedPath()) void this.openFile(event.path!);
        break;
      case 'file_deleted':
        view.fileDeleted(event.path!);
        break;
      case 'preview_ready':
        view.showPreview(event.url!);
        view.announce(strings.previewReady);
        break;
      case 'preview_failed':
        view.offerPreview();
        break;
      case 'repair_started':
        view.setBadge(fill(strings.repairing, { round: event.round ?? 1 }));
        break;
      case 'preview_checked':
        // The version this session becomes shows what the check saw.
        if (event.screenshotUrl) session.screenshotUrl = event.screenshotUrl;
        break;
      case 'deploy_started':
      case 'deploy_progress':
        // The phase goes beside Deploy; the badge keeps saying "Deploying…".
        view.deployStatus(this.#deployText(event));
        break;
      case 'deploy_ready':
        view.showLive(event.url!, event.deploymentId!);
        view.announce(fill(strings.deployReady, { url: event.url! }));
        break;
      case 'deploy_failed':
        view.deployStatus(fill(strings.deployFailed, { phase: this.#phase(event.phase), log: (event.log ?? '').slice(-200) }), 'error');
        break;
      case 'done':
        this.#finish(session, turn, event.status as SessionEndStatus, event.error ?? null);
        return;
    }
    this.#step(turn, event, true);
  }

  /** One event as a step of a turn's details (live, or replayed for an ended session). */
  #step(turn: TurnView, event: WidgetSessionEvent, live: boolean): void {
    const strings = this.strings();
    switch (event.type) {
      case 'status': {
        if (event.step === 'answered') return turn.entry('status', fill(strings.answered, { answer: event.statusMessage ?? '' }));
        const step = event.statusMessage ?? event.step;
        if (step || (live && event.status === 'queued')) turn.entry('status', step ?? strings.queued);
        break;
      }
      case 'question':
        turn.entry('status', fill(strings.asked, { question: event.question ?? '' }));
        break;
      case 'file_written':
        turn.entry('file', `${event.path} (${formatSize(event.size ?? 0)})`);
        break;
      case 'file_deleted':
        turn.entry('file', fill(strings.fileDeleted, { path: event.path ?? '' }));
        break;
      case 'command_started':
        turn.commandStarted(event.commandId!, event.command ?? '');
        break;
      case 'command_output':
        turn.commandOutput(event.commandId!, event.text ?? '');
        break;
      case 'command_finished':
        turn.entry('command', event.timedOut ? strings.timedOut : fill(strings.exited, { code: event.exitCode ?? '–', seconds: ((event.durationMs ?? 0) / 1000).toFixed(1) }));
        break;
      case 'preview_ready':
        turn.entry('status', strings.previewReady);
        break;
      case 'preview_failed':
        turn.entry('error', fill(strings.previewFailed, { reason: event.reason ?? '' }));
        break;
      case 'preview_checked': {
        const errors = event.checkErrors ?? [];
        turn.entry('status', errors.length === 0 ? strings.checkedClean : fill(strings.checkedErrors, { count: errors.length, first: errors[0]!.message }));
        break;
      }
      case 'repair_started':
        turn.entry('status', fill(strings.repairing, { round: event.round ?? 1 }));
        break;
      case 'deploy_started':
      case 'deploy_progress':
        turn.entry('status', this.#deployText(event));
        break;
      case 'deploy_ready':
        turn.entry('status', fill(strings.deployReady, { url: event.url ?? '' }));
        break;
      case 'deploy_failed':
        turn.entry('error', fill(strings.deployFailed, { phase: this.#phase(event.phase), log: event.log ?? '' }));
        break;
      case 'error':
        turn.entry('error', event.message ?? 'Error');
        break;
    }
  }

  #phase(phase: string | undefined): string {
    const key = PHASE_KEYS[phase ?? ''];
    return key ? this.strings()[key] : (phase ?? '').toLowerCase().replace(/_/g, ' ');
  }

  /** A deploy's progress in words: its phase and steps done. */
  #deployText(event: WidgetSessionEvent): string {
    const strings = this.strings();
    if (event.type === 'deploy_started' || !event.phase) return strings.deploying;
    const steps = event.steps ?? [];
    return fill(strings.deployPhase, { phase: this.#phase(event.phase), done: steps.filter((step) => step.status === 'SUCCESS').length, total: steps.length });
  }

  #outcome(session: WidgetSession, status: SessionEndStatus, error: { code: string; message: string } | null): string {
    const strings = this.strings();
    const word = status === 'succeeded' ? strings.statusSucceeded : status === 'failed' ? strings.statusFailed : strings.statusCancelled;
    const text = fill(session.kind === 'preview' ? strings.previewEnded : session.kind === 'deploy' ? strings.deployEnded : strings.buildEnded, { status: word });
    return error ? `${text}: ${error.message}` : text;
  }

  #finish(session: WidgetSession, turn: TurnView, status: SessionEndStatus, error: { code: string; message: string } | null): void {
    if (session !== this.#session) return;
    session.status = status;
    session.endedAt ??= new Date().toISOString();
    this.#setBusy(false);
    const text = this.#outcome(session, status, error);
    turn.finish(status, text);
    this.view.setBadge(text, status === 'succeeded' ? 'ok' : status === 'failed' ? 'error' : undefined);
    this.view.announce(text);
    this.view.setRetry(status !== 'succeeded' && Boolean(this.#lastPrompt) && session.kind === 'generate');
    if (!this.view.previewShown() && this.view.hasFiles()) this.view.offerPreview();
    const version = asVersion(session, this.strings());
    if (version) this.view.versionAdded(version);
    this.view.sessionEnded(session, status, error);
  }

  #setBusy(busy: boolean): void {
    this.#busy = busy;
    this.view.setBusy(busy, Boolean(this.#projectId));
  }
}
