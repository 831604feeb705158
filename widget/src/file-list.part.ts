import { renderHighlighted } from './highlight.js';
import { diffLines, hunks } from './line-diff.js';
import { fill, type WidgetStrings } from './strings.js';

/** A folder of the tree: its subfolders and files by name. */
interface Folder {
  folders: Map<string, Folder>;
  files: string[];
}

/**
 * The file list part of `<everjust-builder>`: the project's files as a tree (folders collapsible,
 * folders first, then files, by name), the selected one marked, and the viewer that shows a file's
 * content with its syntax coloured. Loading a file is the element's (it holds the API client); this
 * part only shows what it is given.
 */
export class FileList {
  #files = new Map<string, number>();
  #selected?: string;
  /** Folders the end user folded, by path: kept while files come and go. */
  readonly #collapsed = new Set<string>();

  /** The shown file's content before its last change (null: none known), for the diff toggle. */
  #previous: string | null = null;
  #content: string | null = null;

  constructor(
    private readonly parts: {
      list: HTMLElement;
      empty: HTMLElement;
      viewer: HTMLElement;
      /** Toggles the viewer between the content and its last change (aria-pressed). */
      diffToggle: HTMLButtonElement;
      diff: HTMLElement;
    },
    private readonly strings: () => WidgetStrings,
  ) {
    parts.diffToggle.addEventListener('click', () => this.#showDiff(parts.diffToggle.getAttribute('aria-pressed') !== 'true'));
    parts.list.addEventListener('click', (event) => {
      const folder = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-folder]')?.dataset.folder;
      if (folder === undefined) return;
      if (this.#collapsed.has(folder)) this.#collapsed.delete(folder);
      else this.#collapsed.add(folder);
      this.#render();
    });
  }

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
    this.parts.viewer.hidden = this.parts.diff.hidden = this.parts.diffToggle.hidden = true;
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

  /** Shows a file's content, if it is still the selected one, and offers its last change when `previous` is known. */
  showContent(path: string, content: string | null, previous: string | null = null): void {
    if (this.#selected !== path) return;
    const { viewer, diffToggle } = this.parts;
    const strings = this.strings();
    if (content === null) viewer.textContent = strings.deletedFile;
    else renderHighlighted(viewer, content, path);
    viewer.setAttribute('aria-label', fill(strings.contentOf, { path }));
    this.#content = content;
    this.#previous = content === null ? null : previous;
    diffToggle.hidden = this.#previous === null;
    // The choice stays while the end user looks from file to file.
    this.#showDiff(!diffToggle.hidden && diffToggle.getAttribute('aria-pressed') === 'true');
  }

  /** The last change of the shown file as a line diff (a few lines of context around each change), or its content. */
  #showDiff(on: boolean): void {
    const { viewer, diff, diffToggle } = this.parts;
    diffToggle.setAttribute('aria-pressed', String(on));
    viewer.hidden = on;
    diff.hidden = !on;
    if (!on || this.#previous === null || this.#content === null) return;
    const strings = this.strings();
    const lines = diffLines(this.#previous, this.#content);
    const added = lines.filter((line) => line.kind === '+').length;
    const removed = lines.filter((line) => line.kind === '-').length;
    const summary = document.createElement('span');
    summary.className = 'diff-summary';
    summary.textContent = fill(strings.diffSummary, { added, removed });
    const rows = hunks(lines).map((line) => {
      const row = document.createElement(line?.kind === '+' ? 'ins' : line?.kind === '-' ? 'del' : 'span');
      row.className = line === null ? 'diff-skip' : line.kind === '+' ? 'diff-add' : line.kind === '-' ? 'diff-del' : 'diff-same';
      // The sign is in the text (copyable, and read out), not only in the colour.
      row.textContent = line === null ? `${strings.diffSkipped}\n` : `${line.kind} ${line.text}\n`;
      return row;
    });
    diff.replaceChildren(summary, '\n', ...rows);
    diff.setAttribute('aria-label', fill(strings.diffOf, { path: this.#selected ?? '' }));
  }

  #render(): void {
    const root: Folder = { folders: new Map(), files: [] };
    for (const path of this.#files.keys()) {
      const parts = path.split('/');
      let folder = root;
      for (const name of parts.slice(0, -1)) {
        let next = folder.folders.get(name);
        if (!next) folder.folders.set(name, (next = { folders: new Map(), files: [] }));
        folder = next;
      }
      folder.files.push(path);
    }
    this.parts.list.replaceChildren(...this.#items(root, ''));
    this.parts.empty.hidden = this.#files.size > 0;
  }

  #items(folder: Folder, prefix: string): HTMLLIElement[] {
    const folders = [...folder.folders.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, child]) => {
      const path = `${prefix}${name}`;
      const open = !this.#collapsed.has(path);
      const item = document.createElement('li');
      item.className = 'folder';
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.folder = path;
      button.setAttribute('aria-expanded', String(open));
      // The arrow is decoration: the name is the folder's, and aria-expanded says whether it is open.
      const twisty = document.createElement('span');
      twisty.className = 'twisty';
      twisty.setAttribute('aria-hidden', 'true');
      twisty.textContent = open ? '▾ ' : '▸ ';
      button.append(twisty, `${name}/`);
      item.append(button);
      if (open) {
        const list = document.createElement('ul');
        list.append(...this.#items(child, `${path}/`));
        item.append(list);
      }
      return item;
    });
    const files = [...folder.files].sort().map((path) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.path = path;
      button.title = path;
      button.textContent = path.slice(prefix.length);
      button.setAttribute('aria-current', String(path === this.#selected));
      item.append(button);
      return item;
    });
    return [...folders, ...files];
  }
}
