import { fill, type WidgetStrings } from './strings.js';

/** What the API takes with a prompt (startSession's `attachments`). */
export const MAX_ATTACHMENTS = 5;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/**
 * The attachments part of `<everjust-builder>`: images for the next prompt, picked with the button,
 * pasted into the prompt or dropped on the form; each shown as a thumbnail with a Remove button. What
 * the API would refuse (another type, over 5 MB, more than 5) is refused here with a message.
 */
export class AttachmentTray {
  #files: File[] = [];
  readonly #previews = new Map<File, string>();

  constructor(
    private readonly parts: { tray: HTMLElement; input: HTMLInputElement; pick: HTMLButtonElement; message: HTMLElement; dropTarget: HTMLElement; prompt: HTMLTextAreaElement },
    private readonly strings: () => WidgetStrings,
  ) {
    parts.pick.addEventListener('click', () => parts.input.click());
    parts.input.addEventListener('change', () => {
      this.add([...(parts.input.files ?? [])]);
      parts.input.value = '';
    });
    parts.prompt.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
    });
    parts.dropTarget.addEventListener('dragover', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      parts.dropTarget.dataset.dropping = '';
    });
    parts.dropTarget.addEventListener('dragleave', () => delete parts.dropTarget.dataset.dropping);
    parts.dropTarget.addEventListener('drop', (event) => {
      delete parts.dropTarget.dataset.dropping;
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
    });
    parts.tray.addEventListener('click', (event) => {
      const index = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-index]')?.dataset.index;
      if (index !== undefined) this.remove(Number(index));
    });
  }

  get count(): number {
    return this.#files.length;
  }

  /** Adds what fits; says why the rest was refused. */
  add(files: File[]): void {
    const strings = this.strings();
    const refused: string[] = [];
    for (const file of files) {
      if (!IMAGE_TYPES.includes(file.type)) refused.push(fill(strings.attachNotImage, { name: file.name }));
      else if (file.size > MAX_ATTACHMENT_BYTES) refused.push(fill(strings.attachTooLarge, { name: file.name }));
      else if (this.#files.length >= MAX_ATTACHMENTS) refused.push(fill(strings.attachTooMany, { max: MAX_ATTACHMENTS }));
      else this.#files.push(file);
    }
    this.parts.message.textContent = [...new Set(refused)].join(' ');
    this.#render();
  }

  remove(index: number): void {
    const [file] = this.#files.splice(index, 1);
    if (file) {
      URL.revokeObjectURL(this.#previews.get(file) ?? '');
      this.#previews.delete(file);
    }
    this.parts.message.textContent = '';
    this.#render();
    this.parts.prompt.focus();
  }

  /** The images as the API takes them (`{ data }`, base64 data URLs), in order. */
  async read(): Promise<Array<{ data: string }>> {
    return Promise.all(
      this.#files.map(
        (file) =>
          new Promise<{ data: string }>((resolve, reject) => {
            const reader = new FileReader();
            reader.onload = () => resolve({ data: String(reader.result) });
            reader.onerror = () => reject(reader.error ?? new Error(`Could not read ${file.name}`));
            reader.readAsDataURL(file);
          }),
      ),
    );
  }

  clear(): void {
    for (const url of this.#previews.values()) URL.revokeObjectURL(url);
    this.#previews.clear();
    this.#files = [];
    this.parts.message.textContent = '';
    this.#render();
  }

  /** Turns the picker on or off (read-only, or a build runs). */
  setDisabled(disabled: boolean): void {
    this.parts.pick.disabled = disabled;
  }

  #render(): void {
    const strings = this.strings();
    const items = this.#files.map((file, index) => {
      const item = document.createElement('li');
      item.className = 'attachment';
      const image = document.createElement('img');
      let url = this.#previews.get(file);
      if (!url) this.#previews.set(file, (url = URL.createObjectURL(file)));
      image.src = url;
      image.alt = '';
      const name = document.createElement('span');
      name.textContent = file.name || 'image';
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.dataset.index = String(index);
      remove.textContent = '×';
      remove.setAttribute('aria-label', fill(strings.attachRemove, { name: file.name || 'image' }));
      item.append(image, name, remove);
      return item;
    });
    this.parts.tray.replaceChildren(...items);
    this.parts.tray.hidden = items.length === 0;
  }
}
