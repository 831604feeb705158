/** Command output kept per command in the log, so a chatty build cannot grow the page without end. */
const MAX_OUTPUT_CHARS = 20_000;

/**
 * The build log part of `<everjust-builder>`: one line per step, model text coalesced into one line
 * until something else happens, each command's output in a line of its own (its tail only).
 */
export class BuildLog {
  #text?: HTMLElement;
  readonly #outputs = new Map<string, HTMLElement>();

  constructor(private readonly element: HTMLElement) {}

  clear(): void {
    this.element.textContent = '';
    this.#text = undefined;
    this.#outputs.clear();
  }

  /** A new line of this kind (its class); it ends the current run of model text. */
  entry(kind: string, text: string): HTMLElement {
    this.#text = undefined;
    const line = document.createElement('div');
    line.className = kind;
    line.textContent = text;
    this.element.append(line);
    this.#scroll();
    return line;
  }

  /** Model text, appended to the current text line (one is started when there is none). */
  appendText(text: string): void {
    const line = (this.#text ??= this.entry('text', ''));
    line.textContent += text;
    this.#scroll();
  }

  /** Ends the current run of model text: the next text starts a line of its own. */
  endText(): void {
    this.#text = undefined;
  }

  commandStarted(commandId: string, command: string): void {
    this.entry('command', `$ ${command}`);
    this.#outputs.set(commandId, this.entry('output', ''));
  }

  commandOutput(commandId: string, text: string): void {
    const output = this.#outputs.get(commandId) ?? this.entry('output', '');
    this.#outputs.set(commandId, output);
    output.textContent = ((output.textContent ?? '') + text).slice(-MAX_OUTPUT_CHARS);
    this.#text = undefined;
    this.#scroll();
  }

  #scroll(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }
}
