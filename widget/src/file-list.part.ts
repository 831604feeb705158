import { fill, type WidgetStrings } from './strings.js';

/**
 * The file list part of `<everjust-builder>`: the project's files by path (sizes kept), the selected
 * one marked, and the viewer that shows a file's content. Loading a file is the element's (it holds
 * the API client); this part only shows what it is given.
 */
export class FileList {
  #files = new Map<string, number>();
  #selected?: string;

  constructor(
    private readonly parts: { list: HTMLElement; empty: HTMLElement; viewer: HTMLElement },
    private readonly strings: () => WidgetStrings,
  ) {}

  get size(): number {
    return this.#files.size;
  }

  get selectedPath(): string | undefined {
    return this.#selected;
  }

  /** Replaces the whole list (a project loaded); nothing is selected. */
  show(files: Array<{ path: string; size: number }>): void {
    this.#files = new Map(files.map((file) => [file.path, file.size]));
    this.#selected = undefined;
    this.parts.viewer.hidden = true;
    this.#render();
  }

  set(path: string, size: number): void {
    this.#files.set(path, size);
    this.#render();
  }

  delete(path: string): void {
    this.#files.delete(path);
    this.#render();
  }

  select(path: string): void {
    this.#selected = path;
    this.#render();
  }

  /** Shows a file's content, if it is still the selected one. */
  showContent(path: string, content: string | null): void {
    if (this.#selected !== path) return;
    const { viewer } = this.parts;
    viewer.textContent = content ?? this.strings().deletedFile;
    viewer.setAttribute('aria-label', fill(this.strings().contentOf, { path }));
    viewer.hidden = false;
  }

  #render(): void {
    const items = [...this.#files.keys()].sort().map((path) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.path = path;
      button.textContent = path;
      button.setAttribute('aria-current', String(path === this.#selected));
      item.append(button);
      return item;
    });
    this.parts.list.replaceChildren(...items);
    this.parts.empty.hidden = items.length > 0;
  }
}
