import { ApiError, createApiClient, widgetError } from './api-client.js';
import { styles } from './builder.styles.js';
import type { SessionEndStatus } from '@everjust/core/session-status';
import type { WidgetSession, WidgetSessionEvent } from './operations.js';
import { BuildLog } from './build-log.part.js';
import { FileList } from './file-list.part.js';
import { PreviewPane } from './preview.part.js';
import { SessionController, type SessionView } from './session-controller.js';
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

const TEMPLATE = `<style>${styles}</style>
<div class="base" part="base">
  <div class="header" part="header">
    <h2 class="title" part="title">Build an app</h2>
    <span class="badge" part="badge" data-ref="badge">Connecting…</span>
  </div>
  <form part="form" data-ref="form" novalidate>
    <label for="prompt" part="label" data-ref="label">Describe the app to build</label>
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
  label: HTMLElement;
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
 * @event everjust:event - A `question` event means the session waits for the end user: its choices
 *   are shown as buttons and the prompt box answers it too (or call `answer(text)`).
 * @event everjust:error - Something failed. `detail: { code, message, reason? }`.
 *   All events bubble and are composed (they cross shadow roots).
 *
 * @csspart base - The frame around everything.
 * @csspart header - The title row. @csspart title - Its heading. @csspart badge - The status text.
 * @csspart form - The prompt form. @csspart label - The prompt's label. @csspart prompt - The textarea.
 * @csspart hint - The keyboard hint.
 * @csspart send-button - Build. @csspart cancel-button - Cancel. @csspart retry-button - Retry.
 * @csspart preview-button - Restart the preview.
 * @csspart question - The model's question in the log. @csspart choices - Its answers' buttons.
 * @csspart choice-button - One answer.
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
  private tokenSource?: GetToken;
  private readonly tokens = new TokenController({
    load: () => this.loadToken(),
    renewable: () => Boolean(this.tokenSource || this.getAttribute('token-url')),
    onRenewalError: (error) => this.sessions.fail(error, false),
  });
  /** Sessions without the DOM: the element only renders what it is told (`view`). */
  private readonly sessions = new SessionController(this.view());
  /** Aborted when the element is disconnected or restarted: ends every request, stream and timer. */
  private lifecycle?: AbortController;
  private startQueued = false;
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
    return this.sessions.projectId;
  }

  /** The current (or last) session's id. */
  get sessionId(): string | undefined {
    return this.sessions.session?.id;
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
    // While the session waits on a question, what is typed answers it.
    if (!refs || !this.sessions.projectId || (this.sessions.busy && this.sessions.question === undefined) || !text) return;
    refs.prompt.value = '';
    // Not started: the prompt goes back in the box, unless the user typed another meanwhile.
    if (!(await this.sessions.send(text)) && !refs.prompt.value) refs.prompt.value = text;
  }

  /** Answers the question the running session waits on (a choice, or any text). */
  async answer(answer: string): Promise<void> {
    await this.sessions.answer(answer);
  }

  /** Cancels the running session (it ends as `cancelled` within moments). */
  async cancel(): Promise<void> {
    if (!this.refs || !this.sessions.busy) return;
    this.refs.cancel.disabled = true;
    if (!(await this.sessions.cancel())) this.refs.cancel.disabled = false;
  }

  /** Sends the last prompt again, or starts over when the widget could not start. */
  async retry(): Promise<void> {
    if (!this.sessions.projectId) return this.restart();
    await this.sessions.retry();
  }

  /** Starts the project's preview again on its current files (a session of kind `preview`). */
  async startPreview(): Promise<void> {
    await this.sessions.startPreview();
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
      if ((event as KeyboardEvent).key === 'Escape' && this.sessions.busy) {
        event.preventDefault();
        void this.cancel();
      }
    });
    cancel.addEventListener('click', () => void this.cancel());
    retry.addEventListener('click', () => void this.retry());
    previewButton.addEventListener('click', () => void this.startPreview());
    fileList.addEventListener('click', (event) => {
      const path = (event.target as HTMLElement).closest('button')?.dataset.path;
      if (path) {
        this.files!.select(path);
        void this.sessions.openFile(path);
      }
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
    this.sessions.stop();
    this.tokens.stop();
  }

  private async start(): Promise<void> {
    this.stop();
    const lifecycle = (this.lifecycle = new AbortController());
    const refs = this.refs!;
    this.log!.clear();
    this.files!.show([]);
    this.preview!.hide();
    this.setAttribute('state', 'loading');
    this.view().setBadge('Connecting…');
    for (const button of [refs.cancel, refs.retry, refs.previewButton]) button.hidden = true;
    refs.prompt.disabled = refs.send.disabled = true;

    const apiUrl = this.getAttribute('api-url');
    const client = apiUrl
      ? createApiClient({ apiUrl, getToken: async () => (await this.tokens.current()).token, refreshToken: async () => (await this.tokens.renew()).token })
      : undefined;
    this.sessions.begin(client, lifecycle.signal);
    if (!client) return this.sessions.fail(widgetError('CONFIGURATION', 'Set the api-url attribute to the EverJust API address'));
    if (!this.tokenSource && !this.getAttribute('token-url') && !this.getAttribute('token')) {
      return this.sessions.fail(widgetError('CONFIGURATION', 'Give the widget a token-url or token attribute, or a getToken function'));
    }
    try {
      const token = await this.tokens.current();
      const projectId = this.getAttribute('project-id') || token.projectId;
      if (!projectId) throw widgetError('CONFIGURATION', 'No project: set project-id, or mint the token for a project');
      await this.sessions.load(projectId);
    } catch (error) {
      if (!lifecycle.signal.aborted) this.sessions.fail(error);
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
  // What the session controller shows, through the parts and DOM events

  private view(): SessionView {
    const refs = () => this.refs!;
    const emit = <Detail>(name: string, detail: Detail) => this.dispatchEvent(new CustomEvent<Detail>(name, { detail, bubbles: true, composed: true }));
    const setBadge = (text: string, tone?: 'ok' | 'error') => {
      const { badge } = refs();
      badge.textContent = text;
      if (tone) badge.dataset.tone = tone;
      else delete badge.dataset.tone;
    };
    const announce = (text: string) => void (refs().announcer.textContent = text);
    return {
      setBusy: (busy, hasProject) => {
        const { send, cancel, retry, previewButton, prompt } = refs();
        send.disabled = busy || !hasProject;
        prompt.disabled = !hasProject;
        cancel.hidden = !busy;
        cancel.disabled = false;
        if (busy) retry.hidden = previewButton.hidden = true;
        this.setAttribute('state', busy ? 'running' : hasProject ? 'ready' : 'error');
      },
      setBadge,
      entry: (kind, text, status) => {
        const line = this.log!.entry(kind, text);
        if (status) line.dataset.status = status;
      },
      appendText: (text) => this.log!.appendText(text),
      endText: () => this.log!.endText(),
      commandStarted: (id, command) => this.log!.commandStarted(id, command),
      commandOutput: (id, text) => this.log!.commandOutput(id, text),
      showFiles: (files) => this.files!.show(files),
      fileWritten: (path, size) => this.files!.set(path, size),
      fileDeleted: (path) => this.files!.delete(path),
      fileContent: (path, content) => this.files!.showContent(path, content),
      selectedPath: () => this.files!.selectedPath,
      hasFiles: () => this.files!.size > 0,
      showPreview: (url) => this.preview!.show(url),
      offerPreview: () => this.preview!.offer(),
      previewShown: () => this.preview!.shown,
      setRetry: (visible) => void (refs().retry.hidden = !visible),
      askQuestion: (question, choices) => {
        const { send, prompt, label } = refs();
        this.log!.question(question, choices, (choice) => void this.answer(choice));
        label.textContent = choices.length ? 'Answer the question (pick one above, or type your own)' : 'Answer the question';
        send.textContent = 'Answer';
        send.disabled = prompt.disabled = false;
      },
      questionAnswered: () => {
        const { send, label } = refs();
        this.log!.endQuestion();
        label.textContent = 'Describe the app to build';
        send.textContent = 'Build';
        send.disabled = this.sessions.busy || !this.sessions.projectId;
      },
      announce,
      ready: (projectId) => {
        setBadge('Ready');
        emit<ReadyDetail>('everjust:ready', { projectId });
      },
      sessionStarted: (session, projectId) =>
        emit<SessionStartedDetail>('everjust:session-started', { sessionId: session.id, projectId, kind: session.kind, prompt: session.prompt }),
      sessionEvent: (session, event) => emit<SessionEventDetail>('everjust:event', { sessionId: session.id, event }),
      sessionEnded: (session, status, error) => emit<SessionEndedDetail>('everjust:session-ended', { sessionId: session.id, kind: session.kind, status, error }),
      fail: (error, blocking) => {
        if (blocking && this.refs) {
          setBadge(error.message, 'error');
          this.log!.entry('error', error.message);
          announce(`Error: ${error.message}`);
          if (!this.sessions.projectId) this.setAttribute('state', 'error');
        }
        emit<ErrorDetail>('everjust:error', { code: error.code, message: error.message, ...(typeof error.extensions.reason === 'string' ? { reason: error.extensions.reason } : {}) });
      },
    };
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
