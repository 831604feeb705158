import { newIdempotencyKey } from '@everjust/sdk';
import { ApiError, createApiClient, widgetError, type ApiClient } from './api-client.js';
import { styles } from './builder.styles.js';
import { isSessionEnded, type SessionEndStatus } from '@everjust/core/session-status';
import { type WidgetProject, type WidgetSession, type WidgetSessionEvent } from './operations.js';
import { BuildLog } from './build-log.part.js';
import { FileList } from './file-list.part.js';
import { PreviewPane } from './preview.part.js';
import { TokenController } from './token-controller.js';
import { fetchToken, normalizeToken, type TokenResponse, type WidgetToken } from './token-source.js';

/** A function the host gives to fetch a widget token from its own backend. */
export type GetToken = () => Promise<TokenResponse> | TokenResponse;

export interface SessionStartedDetail {
  sessionId: string;
  projectId: string;
  kind: WidgetSession['kind'];
  prompt: string;
}
export interface SessionEventDetail {
  sessionId: string;
  event: WidgetSessionEvent;
}
export interface SessionEndedDetail {
  sessionId: string;
  kind: WidgetSession['kind'];
  status: SessionEndStatus;
  error: { code: string; message: string } | null;
}
export interface ErrorDetail {
  /** `extensions.code` of the API (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, …), NETWORK, CONFIGURATION or TOKEN. */
  code: string;
  message: string;
  reason?: string;
}
export interface ReadyDetail {
  projectId: string;
}

type State = 'loading' | 'ready' | 'running' | 'error';

const TEMPLATE = `<style>${styles}</style>
<div class="base" part="base">
  <div class="header" part="header">
    <h2 class="title" part="title">Build an app</h2>
    <span class="badge" part="badge" data-ref="badge">Connecting…</span>
  </div>
  <form part="form" data-ref="form" novalidate>
    <label for="prompt" part="label">Describe the app to build</label>
    <textarea id="prompt" part="prompt" data-ref="prompt" rows="3" aria-describedby="hint" disabled></textarea>
    <p id="hint" class="hint" part="hint">Enter or Ctrl+Enter sends, Shift+Enter starts a new line, Escape cancels a running build.</p>
    <div class="actions">
      <button type="submit" class="primary" part="send-button" data-ref="send" disabled>Build</button>
      <button type="button" part="cancel-button" data-ref="cancel" hidden>Cancel</button>
      <button type="button" part="retry-button" data-ref="retry" hidden>Retry</button>
      <button type="button" part="preview-button" data-ref="previewButton" hidden>Restart preview</button>
    </div>
  </form>
  <div class="panes">
    <section part="log-section" aria-labelledby="log-title">
      <h3 id="log-title">Build log</h3>
      <div class="log" part="log" data-ref="log" role="log" aria-live="polite" aria-labelledby="log-title" tabindex="0"></div>
    </section>
    <section part="files" aria-labelledby="files-title">
      <h3 id="files-title">Files</h3>
      <ul class="files-list" part="file-list" data-ref="fileList" aria-labelledby="files-title"></ul>
      <p class="empty" data-ref="filesEmpty">No files yet.</p>
      <pre class="viewer" part="file-viewer" data-ref="viewer" tabindex="0" aria-label="File content" hidden></pre>
    </section>
    <section class="preview" part="preview" data-ref="previewSection" aria-labelledby="preview-title" hidden>
      <h3 id="preview-title">Preview</h3>
      <iframe part="preview-frame" data-ref="frame" sandbox="allow-scripts" title="Preview of the generated app" referrerpolicy="no-referrer"></iframe>
    </section>
  </div>
  <div class="visually-hidden" part="announcer" role="status" aria-live="polite" data-ref="announcer"></div>
</div>`;

interface Refs {
  badge: HTMLElement;
  form: HTMLFormElement;
  prompt: HTMLTextAreaElement;
  send: HTMLButtonElement;
  cancel: HTMLButtonElement;
  retry: HTMLButtonElement;
  previewButton: HTMLButtonElement;
  log: HTMLElement;
  fileList: HTMLElement;
  filesEmpty: HTMLElement;
  viewer: HTMLElement;
  previewSection: HTMLElement;
  frame: HTMLIFrameElement;
  announcer: HTMLElement;
}

const formatSize = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`);

/**
 * The EverJust app builder, for any web page: an end user describes an app, watches it being written
 * live, browses its files and tries it in a preview. Vanilla custom element with Shadow DOM; it talks
 * to the API with a short-lived widget token that the host's backend mints (`createWidgetToken`).
 *
 * ```html
 * <script src="everjust-builder.global.js"></script>
 * <everjust-builder api-url="https://api.everjust.dev" token-url="/everjust/token"></everjust-builder>
 * ```
 *
 * @summary Embeddable AI app builder.
 *
 * @attr api-url - The EverJust API's base URL (GraphQL at `/graphql`). Required.
 * @attr token-url - The host's endpoint that returns a widget token: `POST`, same-origin cookies sent,
 *   answering `{ "token": "ej_wt_…", "expiresAt"?: "…", "projectId"?: "…" }`. Fetched again at about
 *   80% of the token's life.
 * @attr token - A widget token given directly (not renewed: prefer `token-url` or `getToken`).
 * @attr project-id - The project to build in; by default the token's project.
 * @attr state - Reflected, read-only: `loading`, `ready`, `running` or `error`.
 *
 * @prop getToken - `() => Promise<string | { token, expiresAt?, projectId? }>`: used instead of
 *   `token-url` when set.
 *
 * @event everjust:ready - The widget has its token and project and takes prompts. `detail: { projectId }`.
 * @event everjust:session-started - A session started. `detail: { sessionId, projectId, kind, prompt }`.
 * @event everjust:event - One session event, as streamed. `detail: { sessionId, event }`.
 * @event everjust:session-ended - A session ended. `detail: { sessionId, kind, status, error }`, status
 *   `succeeded`, `failed` or `cancelled`.
 * @event everjust:error - Something failed. `detail: { code, message, reason? }`.
 *   All events bubble and are composed (they cross shadow roots).
 *
 * @csspart base - The frame around everything.
 * @csspart header - The title row. @csspart title - Its heading. @csspart badge - The status text.
 * @csspart form - The prompt form. @csspart label - The prompt's label. @csspart prompt - The textarea.
 * @csspart hint - The keyboard hint.
 * @csspart send-button - Build. @csspart cancel-button - Cancel. @csspart retry-button - Retry.
 * @csspart preview-button - Restart the preview.
 * @csspart log-section - The log's section. @csspart log - The live log (`role="log"`).
 * @csspart files - The files section. @csspart file-list - The list of files.
 * @csspart file-viewer - The content of the chosen file.
 * @csspart preview - The preview section. @csspart preview-frame - The preview iframe
 *   (`sandbox="allow-scripts"`).
 * @csspart announcer - The visually hidden status region for screen readers.
 *
 * @cssproperty --everjust-accent - Buttons, links and focus (default `#4f46e5`).
 * @cssproperty --everjust-accent-text - Text on the accent colour (default `#fff`).
 * @cssproperty --everjust-background - Background (default `#fff`).
 * @cssproperty --everjust-foreground - Text (default `#111827`).
 * @cssproperty --everjust-muted - Secondary text (default `#6b7280`).
 * @cssproperty --everjust-surface - Log, viewer and button backgrounds (default `#f9fafb`).
 * @cssproperty --everjust-border - Borders (default `#e5e7eb`).
 * @cssproperty --everjust-danger - Errors (default `#b91c1c`).
 * @cssproperty --everjust-success - Success (default `#047857`).
 * @cssproperty --everjust-radius - Corner radius (default `8px`).
 * @cssproperty --everjust-font - Text font. @cssproperty --everjust-font-mono - Log and code font.
 * @cssproperty --everjust-focus-ring - The focus ring's box-shadow.
 * @cssproperty --everjust-log-height - Height of the log (default `240px`).
 * @cssproperty --everjust-viewer-height - Height of the file viewer (default `200px`).
 * @cssproperty --everjust-preview-height - Height of the preview (default `360px`).
 */
export class EverJustBuilder extends HTMLElement {
  static get observedAttributes(): string[] {
    return ['api-url', 'token-url', 'token', 'project-id'];
  }

  private refs?: Refs;
  private client?: ApiClient;
  private tokenSource?: GetToken;
  private readonly tokens = new TokenController({
    load: () => this.loadToken(),
    renewable: () => Boolean(this.tokenSource || this.getAttribute('token-url')),
    onRenewalError: (error) => this.fail(error, false),
  });
  /** Aborted when the element is disconnected or restarted: ends every request, stream and timer. */
  private lifecycle?: AbortController;
  private streamAbort?: AbortController;
  private startQueued = false;
  private currentProjectId?: string;
  private session?: WidgetSession;
  private busy = false;
  private lastPrompt = '';
  /** The parts that render (made with the shadow DOM, in `render`). */
  private log?: BuildLog;
  private files?: FileList;
  private preview?: PreviewPane;

  /** Fetches a widget token from the host's backend; takes precedence over `token-url` and `token`. */
  get getToken(): GetToken | undefined {
    return this.tokenSource;
  }
  set getToken(value: GetToken | undefined) {
    this.tokenSource = value;
    this.tokens.forget();
    this.restart();
  }

  /** The project being built, once known. */
  get projectId(): string | undefined {
    return this.currentProjectId;
  }

  /** The current (or last) session's id. */
  get sessionId(): string | undefined {
    return this.session?.id;
  }

  connectedCallback(): void {
    // A property set before the element was defined sits on the instance and hides the accessor.
    if (Object.prototype.hasOwnProperty.call(this, 'getToken')) {
      const value = (this as unknown as { getToken: GetToken }).getToken;
      delete (this as unknown as { getToken?: GetToken }).getToken;
      this.tokenSource = value;
    }
    if (!this.refs) this.render();
    this.restart();
  }

  disconnectedCallback(): void {
    this.stop();
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value) return;
    if (name === 'token' || name === 'token-url') this.tokens.forget();
    this.restart();
  }

  /** Starts a generation with `prompt` (by default what is typed). Follow-ups build on the same project. */
  async send(prompt: string = this.refs?.prompt.value ?? ''): Promise<void> {
    const refs = this.refs;
    const text = prompt.trim();
    if (!refs || !this.client || !this.currentProjectId || this.busy || !text) return;
    const signal = this.lifecycle?.signal;
    this.lastPrompt = text;
    refs.prompt.value = '';
    this.setBusy(true);
    this.entry('prompt', text);
    try {
      const { startSession } = await this.client.request<{ startSession: WidgetSession }>(
        'startSession',
        { input: { projectId: this.currentProjectId, prompt: text, idempotencyKey: newIdempotencyKey() } },
        signal,
      );
      if (signal?.aborted) return;
      this.started(startSession);
    } catch (error) {
      if (signal?.aborted) return;
      if (!refs.prompt.value) refs.prompt.value = text;
      this.setBusy(false);
      this.fail(error);
    }
  }

  /** Cancels the running session (it ends as `cancelled` within moments). */
  async cancel(): Promise<void> {
    if (!this.client || !this.session || !this.busy || isSessionEnded(this.session.status)) return;
    this.refs!.cancel.disabled = true;
    this.setBadge('Cancelling…');
    try {
      await this.client.request('cancelSession', { input: { id: this.session.id } }, this.lifecycle?.signal);
    } catch (error) {
      this.refs!.cancel.disabled = false;
      this.fail(error);
    }
  }

  /** Sends the last prompt again, or starts over when the widget could not start. */
  async retry(): Promise<void> {
    if (!this.currentProjectId || !this.client) return this.restart();
    if (this.lastPrompt) await this.send(this.lastPrompt);
  }

  /** Starts the project's preview again on its current files (a session of kind `preview`). */
  async startPreview(): Promise<void> {
    if (!this.client || !this.currentProjectId || this.busy) return;
    const signal = this.lifecycle?.signal;
    this.setBusy(true);
    this.entry('status', 'Starting the preview…');
    try {
      const { startPreview } = await this.client.request<{ startPreview: WidgetSession }>('startPreview', { input: { projectId: this.currentProjectId, idempotencyKey: newIdempotencyKey() } }, signal);
      if (!signal?.aborted) this.started(startPreview);
    } catch (error) {
      if (signal?.aborted) return;
      this.setBusy(false);
      this.fail(error);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Start and stop

  private render(): void {
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.innerHTML = TEMPLATE;
    const refs = {} as Record<string, Element>;
    for (const element of root.querySelectorAll('[data-ref]')) refs[element.getAttribute('data-ref')!] = element;
    this.refs = refs as unknown as Refs;
    this.log = new BuildLog(this.refs.log);
    this.files = new FileList({ list: this.refs.fileList, empty: this.refs.filesEmpty, viewer: this.refs.viewer });
    this.preview = new PreviewPane({ section: this.refs.previewSection, frame: this.refs.frame, button: this.refs.previewButton });
    const { form, prompt, cancel, retry, previewButton, fileList } = this.refs;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    prompt.addEventListener('keydown', (event) => {
      // Enter sends; Shift+Enter is a new line; Ctrl/Cmd+Enter always sends. Not while composing (IME).
      if (event.key === 'Enter' && !event.isComposing && (!event.shiftKey || event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.send();
      }
    });
    root.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Escape' && this.busy) {
        event.preventDefault();
        void this.cancel();
      }
    });
    cancel.addEventListener('click', () => void this.cancel());
    retry.addEventListener('click', () => void this.retry());
    previewButton.addEventListener('click', () => void this.startPreview());
    fileList.addEventListener('click', (event) => {
      const path = (event.target as HTMLElement).closest('button')?.dataset.path;
      if (path) void this.openFile(path);
    });
  }

  /** Starts over on the next microtask, so several attribute changes in a row start once. */
  private restart(): void {
    if (this.startQueued || !this.isConnected) return;
    this.startQueued = true;
    queueMicrotask(() => {
      this.startQueued = false;
      if (this.isConnected && this.refs) void this.start();
    });
  }

  private stop(): void {
    this.lifecycle?.abort();
    this.streamAbort?.abort();
    this.tokens.stop();
    this.busy = false;
  }

  private async start(): Promise<void> {
    this.stop();
    const lifecycle = (this.lifecycle = new AbortController());
    const refs = this.refs!;
    this.log!.clear();
    this.files!.show([]);
    this.preview!.hide();
    this.session = undefined;
    this.currentProjectId = undefined;
    this.setState('loading');
    this.setBadge('Connecting…');
    for (const button of [refs.cancel, refs.retry, refs.previewButton]) button.hidden = true;
    refs.prompt.disabled = refs.send.disabled = true;

    const apiUrl = this.getAttribute('api-url');
    if (!apiUrl) return this.fail(widgetError('CONFIGURATION', 'Set the api-url attribute to the EverJust API address'));
    if (!this.tokenSource && !this.getAttribute('token-url') && !this.getAttribute('token')) {
      return this.fail(widgetError('CONFIGURATION', 'Give the widget a token-url or token attribute, or a getToken function'));
    }
    this.client = createApiClient({
      apiUrl,
      getToken: async () => (await this.tokens.current()).token,
      refreshToken: async () => (await this.tokens.renew()).token,
    });
    try {
      const token = await this.tokens.current();
      const projectId = this.getAttribute('project-id') || token.projectId;
      if (!projectId) throw widgetError('CONFIGURATION', 'No project: set project-id, or mint the token for a project');
      const { project } = await this.client.request<{ project: WidgetProject }>('project', { projectId }, lifecycle.signal);
      if (lifecycle.signal.aborted) return;
      this.currentProjectId = project.id;
      this.files!.show(project.files);
      const preview = project.sandbox?.previewUrl;
      const expiresAt = project.sandbox?.previewExpiresAt;
      if (preview && (!expiresAt || Date.parse(expiresAt) > Date.now())) this.preview!.show(preview);
      else if (project.files.length > 0) this.preview!.offer();
      const latest = project.sessions.edges[0]?.node;
      refs.prompt.disabled = false;
      this.setState('ready');
      this.setBadge('Ready');
      this.emit<ReadyDetail>('everjust:ready', { projectId: project.id });
      if (latest && !isSessionEnded(latest.status)) {
        // A build still running (the page was reloaded): replay its log and follow it.
        this.entry('prompt', latest.prompt || 'Preview');
        this.lastPrompt = latest.prompt;
        this.setBusy(true);
        void this.follow(latest);
      } else {
        refs.send.disabled = false;
        if (latest) {
          this.session = latest;
          this.lastPrompt = latest.prompt;
        }
      }
    } catch (error) {
      if (!lifecycle.signal.aborted) this.fail(error);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens

  private async loadToken(): Promise<WidgetToken> {
    try {
      if (this.tokenSource) return normalizeToken(await this.tokenSource());
      const tokenUrl = this.getAttribute('token-url');
      if (tokenUrl) return await fetchToken(tokenUrl);
      return normalizeToken(this.getAttribute('token') ?? '');
    } catch (error) {
      throw error instanceof ApiError ? error : widgetError('TOKEN', `Could not get a widget token: ${(error as Error).message}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sessions

  private started(session: WidgetSession): void {
    this.emit<SessionStartedDetail>('everjust:session-started', { sessionId: session.id, projectId: this.currentProjectId!, kind: session.kind, prompt: session.prompt });
    void this.follow(session);
  }

  private async follow(session: WidgetSession): Promise<void> {
    this.streamAbort?.abort();
    const controller = (this.streamAbort = new AbortController());
    this.lifecycle?.signal.addEventListener('abort', () => controller.abort(), { once: true });
    this.session = session;
    this.setBusy(true);
    this.setBadge(session.kind === 'preview' ? 'Starting the preview…' : 'Building…');
    this.announce(session.kind === 'preview' ? 'Starting the preview' : 'Build started');
    try {
      await this.client!.followSession(session.id, {
        signal: controller.signal,
        onEvent: (event) => this.handle(session, event),
        onReconnect: () => this.setBadge('Reconnecting…'),
      });
      // Completed without a `done` we saw (it came before a reconnect): read how it ended.
      if (!controller.signal.aborted && !isSessionEnded(session.status)) {
        const { session: latest } = await this.client!.request<{ session: WidgetSession }>('session', { sessionId: session.id }, controller.signal);
        if (isSessionEnded(latest.status)) this.finish(session, latest.status, latest.error);
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      this.setBusy(false);
      this.refs!.retry.hidden = !this.lastPrompt;
      this.fail(error);
    }
  }

  private handle(session: WidgetSession, event: WidgetSessionEvent): void {
    this.emit<SessionEventDetail>('everjust:event', { sessionId: session.id, event });
    if (event.type !== 'text_delta') this.log!.endText();
    switch (event.type) {
      case 'status': {
        if (event.status === 'running') session.status = 'running';
        const step = event.statusMessage ?? event.step;
        this.setBadge(step ? `Running: ${step}` : event.status === 'queued' ? 'Queued…' : 'Running…');
        if (step || event.status === 'queued') this.entry('status', step ?? 'Queued');
        break;
      }
      case 'text_delta':
        this.log!.appendText(event.text ?? '');
        break;
      case 'file_written':
        this.files!.set(event.path!, event.size ?? 0);
        this.entry('file', `${event.path} (${formatSize(event.size ?? 0)})`);
        if (event.path === this.files!.selectedPath) void this.openFile(event.path!);
        break;
      case 'file_deleted':
        this.files!.delete(event.path!);
        this.entry('file', `Deleted ${event.path}`);
        break;
      case 'command_started':
        this.log!.commandStarted(event.commandId!, event.command ?? '');
        break;
      case 'command_output':
        this.log!.commandOutput(event.commandId!, event.text ?? '');
        break;
      case 'command_finished':
        this.entry('command', event.timedOut ? 'Timed out' : `Exited with ${event.exitCode ?? 'no code'} in ${((event.durationMs ?? 0) / 1000).toFixed(1)} s`);
        break;
      case 'preview_ready':
        this.preview!.show(event.url!);
        this.entry('status', 'Preview ready');
        this.announce('Preview ready');
        break;
      case 'preview_failed':
        this.entry('error', `Preview failed: ${event.reason}`);
        this.preview!.offer();
        break;
      case 'error':
        this.entry('error', event.message ?? 'Error');
        break;
      case 'done':
        this.finish(session, event.status as SessionEndedDetail['status'], event.error ?? null);
        break;
    }
  }

  private finish(session: WidgetSession, status: SessionEndedDetail['status'], error: SessionEndedDetail['error']): void {
    if (session !== this.session) return;
    session.status = status;
    this.setBusy(false);
    const what = session.kind === 'preview' ? 'Preview' : 'Build';
    const line = this.entry('done', `${what} ${status}${error ? `: ${error.message}` : ''}`);
    line.dataset.status = status;
    this.setBadge(`${what} ${status}`, status === 'succeeded' ? 'ok' : status === 'failed' ? 'error' : undefined);
    this.announce(`${what} ${status}`);
    const refs = this.refs!;
    refs.retry.hidden = status === 'succeeded' || !this.lastPrompt || session.kind !== 'generate';
    if (!this.preview!.shown && this.files!.size > 0) this.preview!.offer();
    this.emit<SessionEndedDetail>('everjust:session-ended', { sessionId: session.id, kind: session.kind, status, error });
  }

  // ---------------------------------------------------------------------------------------------
  // Files and preview

  private async openFile(path: string): Promise<void> {
    if (!this.client || !this.currentProjectId) return;
    this.files!.select(path);
    try {
      const { project } = await this.client.request<{ project: { file: { path: string; content: string } | null } }>('file', { projectId: this.currentProjectId, path }, this.lifecycle?.signal);
      this.files!.showContent(path, project.file?.content ?? null);
    } catch (error) {
      this.fail(error, false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  private setBusy(busy: boolean): void {
    this.busy = busy;
    const refs = this.refs!;
    refs.send.disabled = busy || !this.currentProjectId;
    refs.cancel.hidden = !busy;
    refs.cancel.disabled = false;
    if (busy) refs.retry.hidden = refs.previewButton.hidden = true;
    this.setState(busy ? 'running' : this.currentProjectId ? 'ready' : 'error');
  }

  private setState(state: State): void {
    this.setAttribute('state', state);
  }

  private setBadge(text: string, tone?: 'ok' | 'error'): void {
    const { badge } = this.refs!;
    badge.textContent = text;
    if (tone) badge.dataset.tone = tone;
    else delete badge.dataset.tone;
  }

  /** Says something to screen readers without it being in the visible log. */
  private announce(text: string): void {
    this.refs!.announcer.textContent = text;
  }

  private entry(kind: string, text: string): HTMLElement {
    return this.log!.entry(kind, text);
  }

  /** Reports an error: on the badge, in the log, to screen readers and as `everjust:error`. */
  private fail(error: unknown, blocking = true): void {
    const apiError = error instanceof ApiError ? error : widgetError('UNKNOWN', error instanceof Error ? error.message : String(error));
    if (blocking && this.refs) {
      this.setBadge(apiError.message, 'error');
      this.entry('error', apiError.message);
      this.announce(`Error: ${apiError.message}`);
      if (!this.currentProjectId) {
        this.setState('error');
        this.refs.retry.hidden = false;
      }
    }
    this.emit<ErrorDetail>('everjust:error', { code: apiError.code, message: apiError.message, ...(typeof apiError.extensions.reason === 'string' ? { reason: apiError.extensions.reason } : {}) });
  }

  private emit<Detail>(name: string, detail: Detail): void {
    this.dispatchEvent(new CustomEvent<Detail>(name, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'everjust-builder': EverJustBuilder;
  }
  interface HTMLElementEventMap {
    'everjust:ready': CustomEvent<ReadyDetail>;
    'everjust:session-started': CustomEvent<SessionStartedDetail>;
    'everjust:event': CustomEvent<SessionEventDetail>;
    'everjust:session-ended': CustomEvent<SessionEndedDetail>;
    'everjust:error': CustomEvent<ErrorDetail>;
  }
}
