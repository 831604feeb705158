/** The preview part of `<everjust-builder>`: the app in an iframe, or the button that starts a preview. */
export class PreviewPane {
  constructor(private readonly parts: { section: HTMLElement; frame: HTMLIFrameElement; button: HTMLElement }) {}

  get shown(): boolean {
    return !this.parts.section.hidden;
  }

  show(url: string): void {
    this.parts.section.hidden = false;
    this.parts.button.hidden = true;
    // Set even when unchanged: a new build behind the same URL must load again.
    this.parts.frame.src = url;
  }

  hide(): void {
    this.parts.section.hidden = true;
    this.parts.frame.removeAttribute('src');
  }

  /** Shows the button that starts a preview. */
  offer(): void {
    this.parts.button.hidden = false;
  }
}
