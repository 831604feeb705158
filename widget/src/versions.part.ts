import { fill, type WidgetStrings } from './strings.js';

/** A version: a generation that succeeded, whose snapshot can be restored. */
export interface Version {
  sessionId: string;
  prompt: string;
  /** When it ended (ISO). */
  at: string;
  /** Its preview check's screenshot (a signed link), shown as its thumbnail. */
  screenshotUrl?: string | null;
}

/**
 * The versions part of `<everjust-builder>`: every finished build, newest first, with its time and
 * prompt; the current one marked, the others with a Restore button (none in read-only mode). The
 * element does the restoring: a click calls `onRestore(sessionId)`.
 */
export class VersionList {
  #versions: Version[] = [];
  #current?: string;

  constructor(
    private readonly parts: { list: HTMLElement; empty: HTMLElement },
    private readonly options: {
      strings: () => WidgetStrings;
      locale: () => string | undefined;
      readonly: () => boolean;
      /** Whether each version offers Download (the `download` feature). */
      downloads: () => boolean;
      onRestore(sessionId: string): void;
      onDownload(sessionId: string): void;
      onPreview(sessionId: string): void;
    },
  ) {
    parts.list.addEventListener('click', (event) => {
      const download = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-download]');
      if (download) return options.onDownload(download.dataset.download!);
      const preview = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-preview]');
      if (preview) return options.onPreview(preview.dataset.preview!);
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-session]');
      if (button && !button.disabled) {
        button.disabled = true;
        options.onRestore(button.dataset.session!);
      }
    });
  }

  get current(): string | undefined {
    return this.#current;
  }

  /** Replaces the list (newest first); the newest is current unless `current` says otherwise. */
  show(versions: Version[], current = versions[0]?.sessionId): void {
    this.#versions = [...versions];
    this.#current = current;
    this.render();
  }

  /** Older versions, loaded with earlier history. */
  append(versions: Version[]): void {
    const known = new Set(this.#versions.map((version) => version.sessionId));
    this.#versions.push(...versions.filter((version) => !known.has(version.sessionId)));
    this.render();
  }

  /** A build just finished: it is the newest version and the current one. */
  add(version: Version): void {
    this.#versions = [version, ...this.#versions.filter((known) => known.sessionId !== version.sessionId)];
    this.setCurrent(version.sessionId);
  }

  setCurrent(sessionId: string): void {
    this.#current = sessionId;
    this.render();
  }

  render(): void {
    const strings = this.options.strings();
    const readonly = this.options.readonly();
    const format = new Intl.DateTimeFormat(this.options.locale(), { dateStyle: 'medium', timeStyle: 'short' });
    const items = this.#versions.map((version) => {
      const item = document.createElement('li');
      item.className = 'version';
      const current = version.sessionId === this.#current;
      if (current) item.setAttribute('aria-current', 'true');
      const time = document.createElement('time');
      time.dateTime = version.at;
      time.textContent = format.format(new Date(version.at));
      const prompt = document.createElement('span');
      prompt.className = 'version-prompt';
      prompt.textContent = version.prompt;
      if (version.screenshotUrl) {
        // Lazy: a long history loads only the thumbnails scrolled into view.
        const image = document.createElement('img');
        image.loading = 'lazy';
        image.decoding = 'async';
        image.width = 96;
        image.height = 60;
        image.alt = fill(strings.versionThumbnail, { prompt: version.prompt });
        image.setAttribute('part', 'version-thumbnail');
        image.src = version.screenshotUrl;
        // An expired or missing link leaves no broken-image icon behind.
        image.addEventListener('error', () => image.remove(), { once: true });
        item.append(image);
      }
      item.append(time, prompt);
      /** A button named for what it does to which version (its prompt and time, for screen readers). */
      const action = (data: 'download' | 'session' | 'preview', part: string, text: string) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset[data] = version.sessionId;
        button.setAttribute('part', part);
        button.textContent = text;
        button.setAttribute('aria-label', `${text}: ${version.prompt} (${time.textContent})`);
        item.append(button);
      };
      if (!current) action('preview', 'version-preview-button', strings.previewVersion);
      if (this.options.downloads()) action('download', 'version-download-button', strings.downloadVersion);
      if (current) {
        const mark = document.createElement('span');
        mark.className = 'current';
        mark.textContent = strings.current;
        item.append(mark);
      } else if (!readonly) {
        action('session', 'restore-button', strings.restore);
      }
      return item;
    });
    this.parts.list.replaceChildren(...items);
    this.parts.empty.hidden = items.length > 0;
  }

  /** When a version was made, as the end user reads it. */
  timeOf(sessionId: string): string {
    const version = this.#versions.find((known) => known.sessionId === sessionId);
    return version ? new Intl.DateTimeFormat(this.options.locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(version.at)) : '';
  }

  /** The announcement after a restore. */
  restoredText(sessionId: string): string {
    return fill(this.options.strings().restored, { time: this.timeOf(sessionId) });
  }
}
