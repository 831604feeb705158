import { ApiError, createApiClient, widgetError } from './api-client.js';
import { styles } from './builder.styles.js';
import type { SessionEndStatus } from '@everjust/core/session-status';
import type { WidgetSession, WidgetSessionEvent } from './operations.js';
import { AttachmentTray } from './attachments.part.js';
import { FileList } from './file-list.part.js';
import { PreviewPane } from './preview.part.js';
import { SessionController, type SessionView } from './session-controller.js';
import { fill, mergeStrings, type WidgetStrings } from './strings.js';
import { Thread } from './thread.part.js';
import { VersionList } from './versions.part.js';
import type { WidgetErrorInfo } from './widget-errors.js';
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
/** `code`: ORIGIN_NOT_ALLOWED, TOKEN_EXPIRED, QUOTA_EXCEEDED, RATE_LIMITED, NETWORK, or the API's code, CONFIGURATION, TOKEN. */
export type ErrorDetail = WidgetErrorInfo;
export interface VersionRestoredDetail {
  sessionId: string;
  projectId: string;
}
/** What the preview's error reporter saw in the app (its fields as the reporter sends them). */
export interface PreviewErrorDetail {
  kind?: string;
  message?: string;
  source?: string;
  line?: number;
  column?: number;
}
export interface ReadyDetail {
  projectId: string;
}
export interface DeployedDetail {
  /** The app's live URL (the same for every deployment of the project). */
  url: string;
  deploymentId: string;
}

const TEMPLATE = `<style>${styles}</style>
<div class="base" part="base">
  <div class="header" part="header">
    <h2 class="title" part="title" data-text="title"></h2>
    <span class="badge" part="badge" data-ref="badge"></span>
    <div class="go-live" part="go-live" data-ref="goLive" hidden>
      <span class="deploy-status" part="deploy-status" data-ref="deployStatus"></span>
      <span class="live" data-ref="live" hidden><span data-text="live"></span> <a part="live-link" data-ref="liveLink" target="_blank" rel="noopener noreferrer"></a></span>
      <button type="button" part="deploy-button" data-ref="deploy" data-text="deploy"></button>
    </div>
  </div>
  <div class="layout">
    <section class="chat" part="chat" aria-labelledby="thread-title">
      <h3 id="thread-title" class="visually-hidden" data-text="conversation"></h3>
      <div class="thread" part="log" data-ref="log" role="log" aria-live="polite" aria-labelledby="thread-title" tabindex="0">
        <button type="button" class="earlier" part="earlier-button" data-ref="earlier" data-text="earlier" hidden></button>
        <p class="empty" data-ref="threadEmpty" data-text="emptyThread"></p>
      </div>
      <form part="form" data-ref="form" novalidate>
        <label for="prompt" part="label" data-ref="promptLabel" data-text="promptLabel"></label>
        <textarea id="prompt" part="prompt" data-ref="prompt" rows="3" aria-describedby="hint" disabled></textarea>
        <p id="hint" class="hint" part="hint" data-text="hint"></p>
        <ul class="attachments" part="attachments" data-ref="tray" hidden></ul>
        <p class="attach-message" part="attach-message" data-ref="attachMessage" role="alert"></p>
        <input type="file" data-ref="fileInput" accept="image/png,image/jpeg,image/webp,image/gif" multiple hidden />
        <div class="actions">
          <button type="submit" class="primary" part="send-button" data-ref="send" data-text="send" disabled></button>
          <button type="button" part="attach-button" data-ref="attach" data-text="attach"></button>
          <button type="button" part="cancel-button" data-ref="cancel" data-text="cancel" hidden></button>
          <button type="button" part="retry-button" data-ref="retry" data-text="retry" hidden></button>
        </div>
      </form>
      <p class="readonly-note" part="readonly-note" data-ref="readonlyNote" data-text="readonly" hidden></p>
    </section>
    <section class="workspace" part="workspace">
      <div class="tabs" role="tablist" part="tabs" data-ref="tabs">
        <button type="button" role="tab" id="tab-preview" aria-controls="panel-preview" aria-selected="true" part="tab" data-tab="preview" data-text="tabPreview"></button>
        <button type="button" role="tab" id="tab-files" aria-controls="panel-files" aria-selected="false" tabindex="-1" part="tab" data-tab="files" data-text="tabFiles"></button>
        <button type="button" role="tab" id="tab-versions" aria-controls="panel-versions" aria-selected="false" tabindex="-1" part="tab" data-tab="versions" data-text="tabVersions"></button>
      </div>
      <div class="panel preview" role="tabpanel" id="panel-preview" aria-labelledby="tab-preview" part="preview" data-panel="preview">
        <div class="toolbar" part="preview-toolbar" data-ref="toolbar" hidden>
          <button type="button" data-action="reload" part="reload-button" data-text="reload"></button>
          <a part="open-link" data-ref="open" target="_blank" rel="noopener noreferrer" data-text="openInTab"></a>
          <button type="button" data-action="download" part="download-button" data-ref="download" data-text="download" hidden></button>
          <span class="devices" role="group" data-ref="devices">
            <button type="button" data-device="phone" aria-pressed="false" data-text="devicePhone"></button>
            <button type="button" data-device="tablet" aria-pressed="false" data-text="deviceTablet"></button>
            <button type="button" data-device="full" aria-pressed="true" data-text="deviceFull"></button>
          </span>
        </div>
        <p class="version-banner" part="version-banner" data-ref="versionBanner" hidden>
          <span data-ref="versionBannerText"></span>
          <button type="button" data-ref="backToCurrent" data-text="backToCurrent"></button>
        </p>
        <div class="app-errors" part="preview-errors" data-ref="appErrors" hidden>
          <details>
            <summary data-ref="appErrorsSummary"></summary>
            <ul data-ref="appErrorList"></ul>
          </details>
          <button type="button" part="fix-button" data-ref="fix" data-text="fixIt"></button>
        </div>
        <p class="empty" data-ref="previewEmpty" data-text="noPreview"></p>
        <button type="button" part="preview-button" data-ref="previewButton" data-text="restartPreview" hidden></button>
        <div class="stage" data-ref="stage" hidden>
          <iframe part="preview-frame" data-ref="frame" sandbox="allow-scripts allow-forms allow-popups allow-modals" data-title="previewFrame" referrerpolicy="no-referrer"></iframe>
        </div>
      </div>
      <div class="panel" role="tabpanel" id="panel-files" aria-labelledby="tab-files" part="files" data-panel="files" hidden>
        <ul class="files-list" part="file-list" data-ref="fileList" aria-labelledby="tab-files"></ul>
        <p class="empty" data-ref="filesEmpty" data-text="noFiles"></p>
        <button type="button" class="diff-toggle" part="diff-button" data-ref="diffToggle" aria-pressed="false" data-text="lastChange" hidden></button>
        <pre class="viewer" part="file-viewer" data-ref="viewer" tabindex="0" hidden></pre>
        <pre class="viewer diff" part="file-diff" data-ref="diff" tabindex="0" hidden></pre>
      </div>
      <div class="panel" role="tabpanel" id="panel-versions" aria-labelledby="tab-versions" part="versions" data-panel="versions" hidden>
        <ol class="versions" part="version-list" data-ref="versionList" aria-labelledby="tab-versions"></ol>
        <p class="empty" data-ref="versionsEmpty" data-text="noVersions"></p>
      </div>
    </section>
  </div>
  <div class="visually-hidden" part="announcer" role="status" aria-live="polite" data-ref="announcer"></div>
</div>`;

interface Refs {
  badge: HTMLElement;
  log: HTMLElement;
  earlier: HTMLButtonElement;
  threadEmpty: HTMLElement;
  form: HTMLFormElement;
  promptLabel: HTMLElement;
  prompt: HTMLTextAreaElement;
  send: HTMLButtonElement;
  attach: HTMLButtonElement;
  tray: HTMLElement;
  attachMessage: HTMLElement;
  fileInput: HTMLInputElement;
  cancel: HTMLButtonElement;
  retry: HTMLButtonElement;
  readonlyNote: HTMLElement;
  tabs: HTMLElement;
  toolbar: HTMLElement;
  open: HTMLAnchorElement;
  download: HTMLButtonElement;
  devices: HTMLElement;
  previewEmpty: HTMLElement;
  appErrors: HTMLElement;
  fix: HTMLButtonElement;
  goLive: HTMLElement;
  deployStatus: HTMLElement;
  live: HTMLElement;
  liveLink: HTMLAnchorElement;
  deploy: HTMLButtonElement;
  diffToggle: HTMLButtonElement;
  diff: HTMLElement;
  versionBanner: HTMLElement;
  versionBannerText: HTMLElement;
  backToCurrent: HTMLButtonElement;
  appErrorsSummary: HTMLElement;
  appErrorList: HTMLElement;
  previewButton: HTMLButtonElement;
  stage: HTMLElement;
  frame: HTMLIFrameElement;
  fileList: HTMLElement;
  filesEmpty: HTMLElement;
  viewer: HTMLElement;
  versionList: HTMLElement;
  versionsEmpty: HTMLElement;
  announcer: HTMLElement;
}

/**
 * The EverJust app builder, for any web page: an end user describes an app and talks it into shape
 * (a conversation, the model's reply streaming live), tries it in a preview at phone, tablet or full
 * width, browses its files, and goes back to any earlier version. Vanilla custom element with Shadow
 * DOM; it talks to the API with a short-lived widget token that the host's backend mints
 * (`createWidgetToken`).
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
 * @attr theme - `light` (default), `dark`, or `auto` (follows the visitor's `prefers-color-scheme`).
 *   The `--everjust-*` custom properties still win over the preset.
 * @attr locale - A BCP 47 tag (`de-CH`) for dates; texts are English unless `strings` overrides them.
 * @attr readonly - Browse the conversation, versions, files and preview; no prompts, no restores.
 * @attr features - Optional features the host turns on, space-separated: `download` (Download ZIP of
 *   the current files in the preview toolbar, and of each version); `deploy` (a Deploy button in the
 *   header, the deploy's progress and the live URL; shown only when the token was minted with
 *   `permissions: [DEPLOY]`, and without it the API refuses `deploy()` with FORBIDDEN).
 * @attr state - Reflected, read-only: `loading`, `ready`, `running` or `error`.
 *
 * @prop getToken - `() => Promise<string | { token, expiresAt?, projectId? }>`: used instead of
 *   `token-url` when set.
 * @prop strings - `Partial<WidgetStrings>`: any text of the widget, by key (see `DEFAULT_STRINGS`);
 *   `{name}` placeholders are filled in.
 *
 * @event everjust:ready - The widget has its token and project and takes prompts. `detail: { projectId }`.
 * @event everjust:session-started - A session started. `detail: { sessionId, projectId, kind, prompt }`.
 * @event everjust:event - One session event, as streamed. `detail: { sessionId, event }`.
 * @event everjust:session-ended - A session ended. `detail: { sessionId, kind, status, error }`, status
 *   `succeeded`, `failed` or `cancelled`.
 * @event everjust:version-restored - The project's files are back as a version left them. `detail: { sessionId, projectId }`.
 * @event everjust:preview-error - The app in the preview reported an error (uncaught, rejection,
 *   console.error, failed load). `detail: { kind, message, source?, line?, column? }`.
 * @event everjust:deployed - A deploy went live. `detail: { url, deploymentId }`.
 * @event everjust:error - Something failed. `detail: { code, message, apiCode?, reason?, retryAfter? }`;
 *   `code` is one a host can act on — `ORIGIN_NOT_ALLOWED`, `TOKEN_EXPIRED`, `QUOTA_EXCEEDED`,
 *   `RATE_LIMITED`, `NETWORK` — or else the API's (`NOT_FOUND`, …), `CONFIGURATION` or `TOKEN`.
 *   All events bubble and are composed (they cross shadow roots).
 *
 * @csspart base - The frame around everything.
 * @csspart header - The title row. @csspart title - Its heading. @csspart badge - The status text.
 * @csspart chat - The conversation column. @csspart log - The conversation (`role="log"`).
 * @csspart message - Each message; also `user-message` or `assistant-message`.
 * @csspart earlier-button - Loads earlier messages.
 * @csspart form - The prompt form. @csspart label - The prompt's label. @csspart prompt - The textarea.
 * @csspart hint - The keyboard hint. @csspart readonly-note - Shown instead of the form when `readonly`.
 * @csspart send-button - Build. @csspart cancel-button - Cancel. @csspart retry-button - Retry.
 * @csspart attach-button - Attach images (also: paste into the prompt, or drop on the form; up to 5,
 *   PNG/JPEG/WebP/GIF, 5 MB each). @csspart attachments - The attached images. @csspart attach-message - Why one was refused.
 * @csspart workspace - The tabbed column. @csspart tabs - Its tab list. @csspart tab - Each tab.
 * @csspart preview - The preview panel. @csspart preview-toolbar - Reload, open, device widths.
 * @csspart version-banner - Says a version (not the current files) is in the preview, with Back.
 * @csspart preview-errors - The errors the app in the preview reported (a disclosure with their count, and Fix it).
 * @csspart fix-button - Fix it: a generation that repairs those errors (`fixPreviewErrors`; not when `readonly`, nor beside an earlier version).
 * @csspart reload-button - Reload. @csspart open-link - Open in a new tab. @csspart download-button - Download ZIP.
 * @csspart preview-button - Restart the preview. @csspart preview-frame - The preview iframe
 *   (`sandbox="allow-scripts allow-forms allow-popups allow-modals"`: an opaque origin, as the preview's own CSP).
 * @csspart files - The files panel. @csspart file-list - The list of files.
 * @csspart file-viewer - The content of the chosen file.
 * @csspart diff-button - Last change: toggles the viewer to the file's last change (`aria-pressed`).
 * @csspart file-diff - That change as a line diff (`ins`/`del` lines with `+`/`-`, three lines of context).
 * @csspart versions - The versions panel. @csspart version-list - Its list. @csspart restore-button - Each Restore.
 * @csspart version-preview-button - Each Preview (the version in the preview, whatever the files are now).
 * @csspart version-download-button - Each Download (with `features="download"`).
 * @csspart version-thumbnail - Each version's screenshot (its preview check's, lazy-loaded; none without a check).
 * @csspart go-live - The deploy area in the header (with `features="deploy"`). @csspart deploy-button - Deploy.
 * @csspart deploy-status - The deploy's progress or failure. @csspart live-link - The live app's URL.
 * @csspart announcer - The visually hidden status region for screen readers.
 *
 * @cssproperty --everjust-accent - Buttons, links and focus (default `#4f46e5`).
 * @cssproperty --everjust-accent-text - Text on the accent colour (default `#fff`).
 * @cssproperty --everjust-background - Background (default `#fff`; dark `#0f172a`).
 * @cssproperty --everjust-foreground - Text (default `#111827`; dark `#e5e7eb`).
 * @cssproperty --everjust-muted - Secondary text (default `#6b7280`; dark `#9ca3af`).
 * @cssproperty --everjust-surface - Messages, viewer and button backgrounds (default `#f9fafb`; dark `#1e293b`).
 * @cssproperty --everjust-border - Borders (default `#e5e7eb`; dark `#334155`).
 * @cssproperty --everjust-danger - Errors (default `#b91c1c`; dark `#f87171`).
 * @cssproperty --everjust-success - Success (default `#047857`; dark `#34d399`).
 * @cssproperty --everjust-radius - Corner radius (default `8px`).
 * @cssproperty --everjust-font - Text font. @cssproperty --everjust-font-mono - Log and code font.
 * @cssproperty --everjust-focus-ring - The focus ring's box-shadow.
 * @cssproperty --everjust-log-height - Height of the conversation (default `360px`).
 * @cssproperty --everjust-viewer-height - Height of the file viewer (default `260px`).
 * @cssproperty --everjust-preview-height - Height of the preview (default `420px`).
 */
export class EverJustBuilder extends HTMLElement {
  static get observedAttributes(): string[] {
    return ['api-url', 'token-url', 'token', 'project-id', 'readonly', 'locale', 'features'];
  }

  private refs?: Refs;
  private tokenSource?: GetToken;
  private overrides?: Partial<WidgetStrings>;
  private texts: WidgetStrings = mergeStrings(undefined);
  private readonly tokens = new TokenController({
    load: () => this.loadToken(),
    renewable: () => Boolean(this.tokenSource || this.getAttribute('token-url')),
    onRenewalError: (error) => this.sessions.fail(error, false),
  });
  /** Sessions without the DOM: the element only renders what it is told (`view`). */
  private readonly sessions = new SessionController(this.view(), () => this.texts);
  /** Aborted when the element is disconnected or restarted: ends every request, stream and timer. */
  private lifecycle?: AbortController;
  private startQueued = false;
  /** Whether the token may deploy (its `perms` claim; true when its claims cannot be read): Deploy shows only then. */
  private mayDeploy = true;
  /** The parts that render (made with the shadow DOM, in `render`). */
  private thread?: Thread;
  private files?: FileList;
  private preview?: PreviewPane;
  private versions?: VersionList;
  private attachments?: AttachmentTray;

  /** Fetches a widget token from the host's backend; takes precedence over `token-url` and `token`. */
  get getToken(): GetToken | undefined {
    return this.tokenSource;
  }
  set getToken(value: GetToken | undefined) {
    this.tokenSource = value;
    this.tokens.forget();
    this.restart();
  }

  /** Overrides of the widget's texts, by key; set it again to change them. */
  get strings(): Partial<WidgetStrings> | undefined {
    return this.overrides;
  }
  set strings(value: Partial<WidgetStrings> | undefined) {
    this.overrides = value;
    this.texts = mergeStrings(value);
    if (this.refs) this.applyStrings();
  }

  /** Whether the host turned a feature on (`features="download"`). */
  hasFeature(feature: 'download' | 'deploy'): boolean {
    return (this.getAttribute('features') ?? '').split(/\s+/).includes(feature);
  }

  /** Downloads the current files (or a version's, by its session id) as a ZIP (the `download` feature). */
  async download(sessionId?: string): Promise<void> {
    if (this.hasFeature('download')) await this.sessions.download(sessionId);
  }

  /** Deploys the project's current files (the `deploy` feature; the token must carry DEPLOY). */
  async deploy(): Promise<void> {
    if (this.hasFeature('deploy') && !this.readOnly) await this.sessions.deploy();
  }

  /** Starts a generation that repairs the errors the app in the preview reported (the Fix it button). */
  async fixPreviewErrors(): Promise<void> {
    if (!this.readOnly) await this.sessions.fixPreviewErrors();
  }

  /** Whether prompts and restores are off (the `readonly` attribute). */
  get readOnly(): boolean {
    return this.hasAttribute('readonly');
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
    for (const name of ['getToken', 'strings'] as const) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = (this as Record<string, unknown>)[name];
        delete (this as Record<string, unknown>)[name];
        (this as Record<string, unknown>)[name] = value;
      }
    }
    if (!this.refs) this.render();
    this.restart();
  }

  disconnectedCallback(): void {
    this.stop();
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value) return;
    if (name === 'readonly' || name === 'locale' || name === 'features') return void (this.refs && this.applyStrings());
    if (name === 'token' || name === 'token-url') this.tokens.forget();
    this.restart();
  }

  /**
   * Starts a generation with `prompt` (by default what is typed) and the images attached to it.
   * Follow-ups build on the same project.
   */
  async send(prompt: string = this.refs?.prompt.value ?? ''): Promise<void> {
    const refs = this.refs;
    const text = prompt.trim();
    if (!refs || this.readOnly || !this.sessions.projectId || this.sessions.busy || !text) return;
    let images: Array<{ data: string }>;
    try {
      images = await this.attachments!.read();
    } catch (error) {
      return this.sessions.fail(widgetError('ATTACHMENT', (error as Error).message), false);
    }
    refs.prompt.value = '';
    // Not started: the prompt goes back in the box, unless the user typed another meanwhile; the images stay.
    if (await this.sessions.send(text, images)) this.attachments!.clear();
    else if (!refs.prompt.value) refs.prompt.value = text;
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

  /** Puts the project's files back as the version (a succeeded session) `sessionId` left them. */
  async restoreVersion(sessionId: string): Promise<void> {
    if (this.readOnly) return;
    await this.sessions.restore(sessionId);
  }

  // ---------------------------------------------------------------------------------------------
  // Start and stop

  private render(): void {
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.innerHTML = TEMPLATE;
    const refs = {} as Record<string, Element>;
    for (const element of root.querySelectorAll('[data-ref]')) refs[element.getAttribute('data-ref')!] = element;
    this.refs = refs as unknown as Refs;
    const texts = () => this.texts;
    this.thread = new Thread({ log: this.refs.log, earlier: this.refs.earlier, empty: this.refs.threadEmpty }, texts);
    this.files = new FileList({ list: this.refs.fileList, empty: this.refs.filesEmpty, viewer: this.refs.viewer, diffToggle: this.refs.diffToggle, diff: this.refs.diff }, texts);
    const { frame, previewButton: button, toolbar, open, previewEmpty: empty, stage } = this.refs;
    const onReload = () => {
      this.clearAppErrors();
      this.preview!.reload();
    };
    this.preview = new PreviewPane({ frame, button, toolbar, open, empty, stage, onReload });
    this.versions = new VersionList(
      { list: this.refs.versionList, empty: this.refs.versionsEmpty },
      {
        strings: texts,
        locale: () => this.getAttribute('locale') ?? undefined,
        readonly: () => this.readOnly,
        downloads: () => this.hasFeature('download'),
        onRestore: (sessionId) => void this.restoreVersion(sessionId),
        onDownload: (sessionId) => void this.download(sessionId),
        onPreview: (sessionId) => void this.sessions.previewVersion(sessionId),
      },
    );
    this.attachments = new AttachmentTray(
      { tray: this.refs.tray, input: this.refs.fileInput, pick: this.refs.attach, message: this.refs.attachMessage, dropTarget: this.refs.form, prompt: this.refs.prompt },
      texts,
    );
    this.applyStrings();
    const { form, prompt, cancel, retry, previewButton, fileList, earlier, tabs, download } = this.refs;
    download.addEventListener('click', () => void this.download());
    this.refs.deploy.addEventListener('click', () => void this.deploy());
    this.refs.fix.addEventListener('click', () => void this.fixPreviewErrors());
    this.refs.backToCurrent.addEventListener('click', () => {
      this.showingCurrent();
      this.preview!.backToCurrent();
    });
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
    earlier.addEventListener('click', () => void this.sessions.loadEarlier());
    fileList.addEventListener('click', (event) => {
      const path = (event.target as HTMLElement).closest('button')?.dataset.path;
      if (path) {
        this.files!.select(path);
        void this.sessions.openFile(path);
      }
    });
    tabs.addEventListener('click', (event) => {
      const tab = (event.target as HTMLElement).closest<HTMLButtonElement>('[role="tab"]');
      if (tab) this.selectTab(tab.dataset.tab!);
    });
    tabs.addEventListener('keydown', (event) => {
      // The tab list is one stop; arrows move between tabs (WAI-ARIA tabs pattern).
      const keys: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 };
      if (!(event.key in keys)) return;
      const all = [...tabs.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
      const index = all.findIndex((tab) => tab.getAttribute('aria-selected') === 'true');
      const next = all[(index + keys[event.key]! + all.length) % all.length]!;
      this.selectTab(next.dataset.tab!);
      next.focus();
      event.preventDefault();
    });
    // The preview's error reporter posts to its parent; only messages from our own iframe count.
    window.addEventListener('message', (event) => {
      const data = event.data as { type?: unknown; error?: unknown } | null;
      if (!this.preview?.window || event.source !== this.preview.window || data?.type !== 'everjust:preview-error') return;
      const error = (data.error ?? {}) as PreviewErrorDetail;
      this.showAppError(error);
      this.emit('everjust:preview-error', error);
    });
  }

  /** An error the app in the preview reported: counted and listed above the preview (cleared when it loads again). */
  private showAppError(error: PreviewErrorDetail): void {
    const { appErrors, appErrorsSummary, appErrorList } = this.refs!;
    if (appErrorList.childElementCount >= 20) return;
    const item = document.createElement('li');
    item.textContent = `${error.message ?? ''}${error.line ? ` (line ${error.line})` : ''}`;
    appErrorList.append(item);
    const count = appErrorList.childElementCount;
    appErrorsSummary.textContent = count === 1 ? this.texts.appError : fill(this.texts.appErrors, { count });
    appErrors.hidden = false;
    this.updateFix();
  }

  /** Fix it repairs the current files: not in read-only mode, nor beside the errors of an earlier version shown in the preview. */
  private updateFix(): void {
    const refs = this.refs!;
    refs.fix.hidden = this.readOnly || !refs.versionBanner.hidden;
  }

  private clearAppErrors(): void {
    const { appErrors, appErrorList } = this.refs!;
    appErrorList.replaceChildren();
    appErrors.hidden = true;
  }

  /** The preview goes back to the current files: no version banner, nothing reported by the last load. */
  private showingCurrent(): void {
    this.clearAppErrors();
    this.refs!.versionBanner.hidden = true;
  }

  /** The prompt asks for an app, or for a change once there are files. */
  private updatePromptLabel(): void {
    this.refs!.promptLabel.textContent = this.files!.size > 0 ? this.texts.promptLabelFollowUp : this.texts.promptLabel;
  }

  private selectTab(name: string): void {
    for (const tab of this.refs!.tabs.querySelectorAll<HTMLButtonElement>('[role="tab"]')) {
      const selected = tab.dataset.tab === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    for (const panel of this.shadowRoot!.querySelectorAll<HTMLElement>('[role="tabpanel"]')) panel.hidden = panel.dataset.panel !== name;
  }

  /** Puts every text in place (strings, readonly). */
  private applyStrings(): void {
    const root = this.shadowRoot!;
    for (const element of root.querySelectorAll<HTMLElement>('[data-text]')) element.textContent = this.texts[element.dataset.text as keyof WidgetStrings];
    for (const element of root.querySelectorAll<HTMLElement>('[data-title]')) element.title = this.texts[element.dataset.title as keyof WidgetStrings];
    const refs = this.refs!;
    this.updatePromptLabel();
    refs.form.hidden = this.readOnly;
    refs.download.hidden = !this.hasFeature('download');
    refs.goLive.hidden = !this.hasFeature('deploy');
    refs.deploy.hidden = this.readOnly || !this.mayDeploy;
    this.updateFix();
    refs.readonlyNote.hidden = !this.readOnly;
    this.versions!.render();
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
    this.thread!.clear();
    this.files!.show([]);
    this.preview!.hide();
    this.versions!.show([]);
    this.setAttribute('state', 'loading');
    this.view().setBadge(this.texts.connecting);
    for (const button of [refs.cancel, refs.retry, refs.previewButton]) button.hidden = true;
    refs.prompt.disabled = refs.send.disabled = refs.deploy.disabled = refs.fix.disabled = true;
    refs.live.hidden = true;
    refs.deployStatus.textContent = '';

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
      this.mayDeploy = token.permissions === undefined || token.permissions.includes('deploy');
      this.applyStrings();
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

  private emit<Detail>(name: string, detail: Detail): void {
    this.dispatchEvent(new CustomEvent<Detail>(name, { detail, bubbles: true, composed: true }));
  }

  private view(): SessionView {
    const refs = () => this.refs!;
    const emit = <Detail>(name: string, detail: Detail) => this.emit(name, detail);
    const setBadge = (text: string, tone?: 'ok' | 'error') => {
      const { badge } = refs();
      badge.textContent = text;
      if (tone) badge.dataset.tone = tone;
      else delete badge.dataset.tone;
    };
    const announce = (text: string) => void (refs().announcer.textContent = text);
    return {
      setBusy: (busy, hasProject) => {
        const { send, cancel, retry, previewButton, prompt, deploy, fix } = refs();
        send.disabled = fix.disabled = busy || !hasProject;
        // Nothing to deploy before the first files.
        deploy.disabled = busy || !hasProject || this.files!.size === 0;
        this.attachments!.setDisabled(busy || !hasProject);
        prompt.disabled = !hasProject;
        cancel.hidden = !busy;
        cancel.disabled = false;
        if (busy) retry.hidden = previewButton.hidden = true;
        this.setAttribute('state', busy ? 'running' : hasProject ? 'ready' : 'error');
      },
      setBadge,
      turn: (session, at) => this.thread!.turn(session.id, session.prompt, at, session.attachments?.length ?? 0),
      setHasEarlier: (hasEarlier) => this.thread!.setHasEarlier(hasEarlier),
      showFiles: (files) => {
        this.files!.show(files);
        this.updatePromptLabel();
        refs().deploy.disabled = this.sessions.busy || files.length === 0;
      },
      fileWritten: (path, size) => this.files!.set(path, size),
      fileDeleted: (path) => this.files!.delete(path),
      fileContent: (path, content, previous) => this.files!.showContent(path, content, previous),
      showLive: (url, deploymentId) => {
        const { live, liveLink, deployStatus } = refs();
        liveLink.href = liveLink.textContent = liveLink.title = url;
        liveLink.setAttribute('aria-label', fill(this.texts.openLive, { url }));
        live.hidden = false;
        deployStatus.textContent = '';
        if (deploymentId) emit<DeployedDetail>('everjust:deployed', { url, deploymentId });
      },
      deployStatus: (text, tone) => {
        const { deployStatus } = refs();
        deployStatus.textContent = text;
        if (tone) deployStatus.dataset.tone = tone;
        else delete deployStatus.dataset.tone;
      },
      selectedPath: () => this.files!.selectedPath,
      hasFiles: () => this.files!.size > 0,
      showPreview: (url) => {
        this.showingCurrent();
        this.preview!.show(url);
      },
      showVersionPreview: (url, sessionId) => {
        this.clearAppErrors();
        this.preview!.showVersion(url);
        const { versionBanner, versionBannerText } = refs();
        versionBannerText.textContent = fill(this.texts.viewingVersion, { time: this.versions!.timeOf(sessionId) });
        versionBanner.hidden = false;
        this.selectTab('preview');
        announce(versionBannerText.textContent);
      },
      reloadPreview: () => {
        // A version shown in the preview gives way to the current files.
        this.showingCurrent();
        if (!this.preview!.backToCurrent()) this.preview!.reload();
      },
      offerPreview: () => this.preview!.offer(),
      previewShown: () => this.preview!.shown,
      showVersions: (versions, current, more) => (more ? this.versions!.append(versions) : this.versions!.show(versions, current)),
      versionAdded: (version) => {
        this.versions!.add(version);
        this.updatePromptLabel();
      },
      versionRestored: (sessionId, projectId) => {
        this.versions!.setCurrent(sessionId);
        const text = this.versions!.restoredText(sessionId);
        setBadge(text, 'ok');
        announce(text);
        emit<VersionRestoredDetail>('everjust:version-restored', { sessionId, projectId });
      },
      setRetry: (visible) => void (refs().retry.hidden = !visible),
      saveFile: (blob, filename) => {
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = filename;
        link.hidden = true;
        this.shadowRoot!.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      },
      announce,
      ready: (projectId) => {
        setBadge(this.texts.ready);
        emit<ReadyDetail>('everjust:ready', { projectId });
      },
      sessionStarted: (session, projectId) =>
        emit<SessionStartedDetail>('everjust:session-started', { sessionId: session.id, projectId, kind: session.kind, prompt: session.prompt }),
      sessionEvent: (session, event) => emit<SessionEventDetail>('everjust:event', { sessionId: session.id, event }),
      sessionEnded: (session, status, error) => emit<SessionEndedDetail>('everjust:session-ended', { sessionId: session.id, kind: session.kind, status, error }),
      fail: (error, blocking) => {
        if (blocking && this.refs) {
          setBadge(error.message, 'error');
          announce(fill(this.texts.errorPrefix, { message: error.message }));
          if (!this.sessions.projectId) this.setAttribute('state', 'error');
        }
        emit<ErrorDetail>('everjust:error', error);
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
    'everjust:version-restored': CustomEvent<VersionRestoredDetail>;
    'everjust:preview-error': CustomEvent<PreviewErrorDetail>;
    'everjust:deployed': CustomEvent<DeployedDetail>;
    'everjust:error': CustomEvent<ErrorDetail>;
  }
}
