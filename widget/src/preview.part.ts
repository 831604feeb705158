/** Device widths of the preview toolbar, in CSS pixels (`full`: the pane's width). */
export const DEVICE_WIDTHS = { phone: 390, tablet: 768, full: 0 } as const;
export type Device = keyof typeof DEVICE_WIDTHS;

/**
 * The preview part of `<everjust-builder>`: the app in a sandboxed iframe with its toolbar (reload,
 * open in a new tab, device widths), or the button that starts a preview when none runs.
 */
export class PreviewPane {
  #url?: string;
  /** The current preview's URL while a version is shown instead. */
  #current?: string;

  constructor(
    private readonly parts: {
      frame: HTMLIFrameElement;
      button: HTMLElement;
      toolbar: HTMLElement;
      open: HTMLAnchorElement;
      empty: HTMLElement;
      stage: HTMLElement;
      /** Reload was pressed (the element clears what the last load reported, then reloads). */
      onReload(): void;
    },
  ) {
    parts.toolbar.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button');
      if (!button) return;
      if (button.dataset.action === 'reload') parts.onReload();
      else if (button.dataset.device) this.setDevice(button.dataset.device as Device);
    });
  }

  get shown(): boolean {
    return this.#url !== undefined;
  }

  get url(): string | undefined {
    return this.#url;
  }

  show(url: string): void {
    this.#current = undefined;
    this.#url = url;
    this.parts.button.hidden = true;
    this.parts.empty.hidden = true;
    this.parts.toolbar.hidden = false;
    this.parts.stage.hidden = false;
    this.parts.open.href = url;
    // Set even when unchanged: a new build behind the same URL must load again.
    this.parts.frame.src = url;
  }

  /** Shows a version in place of the current preview, until `backToCurrent`. */
  showVersion(url: string): void {
    const current = this.#current ?? this.#url;
    this.show(url);
    this.#current = current;
  }

  /** Back from a version to the current preview (or to none); false when no version was shown. */
  backToCurrent(): boolean {
    if (this.#current === undefined && this.#url !== undefined) return false;
    const current = this.#current;
    this.#current = undefined;
    if (current) this.show(current);
    else this.hide();
    return true;
  }

  /** Loads the preview again (the files changed behind the same URL, or the app is in a bad state). */
  reload(): void {
    if (this.#url) this.parts.frame.src = this.#url;
  }

  hide(): void {
    this.#url = undefined;
    this.parts.toolbar.hidden = true;
    this.parts.stage.hidden = true;
    this.parts.empty.hidden = false;
    this.parts.frame.removeAttribute('src');
  }

  /** Shows the button that starts a preview. */
  offer(): void {
    this.parts.button.hidden = false;
  }

  setDevice(device: Device): void {
    const width = DEVICE_WIDTHS[device] ?? 0;
    this.parts.frame.style.width = width ? `${width}px` : '';
    this.parts.stage.dataset.device = device;
    for (const button of this.parts.toolbar.querySelectorAll<HTMLButtonElement>('button[data-device]')) {
      button.setAttribute('aria-pressed', String(button.dataset.device === device));
    }
  }

  /** The window of the preview's document: messages from the reporter come from it. */
  get window(): Window | null {
    return this.parts.frame.contentWindow;
  }
}
