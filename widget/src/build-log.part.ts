/** Command output kept per command in the log, so a chatty build cannot grow the page without end. */
const MAX_OUTPUT_CHARS = 20_000;

/**
 * The build log part of `<everjust-builder>`: one line per step, model text coalesced into one line
 * until something else happens, each command's output in a line of its own (its tail only).
 */
export class BuildLog {
  #text?: HTMLElement;
  #choices?: HTMLElement;
  readonly #outputs = new Map<string, HTMLElement>();

  constructor(private readonly element: HTMLElement) {}

  clear(): void {
    this.element.textContent = '';
    this.#text = undefined;
    this.#choices = undefined;
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

  /**
   * The model's question, with a button per choice (`onChoice` answers with its text); the buttons go
   * once it is answered (`endQuestion`).
   */
  question(question: string, choices: string[], onChoice: (choice: string) => void): void {
    this.endQuestion();
    const line = this.entry('question', question);
    line.setAttribute('part', 'question');
    if (choices.length === 0) return;
    const group = document.createElement('div');
    group.className = 'choices';
    group.setAttribute('part', 'choices');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', 'Answers');
    for (const choice of choices) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = choice;
      button.setAttribute('part', 'choice-button');
      button.addEventListener('click', () => {
        for (const other of group.querySelectorAll('button')) other.disabled = true;
        onChoice(choice);
      });
      group.append(button);
    }
    this.element.append(group);
    this.#choices = group;
    this.#scroll();
  }

  /** The question was answered: its choice buttons go (the question stays in the log). */
  endQuestion(): void {
    this.#choices?.remove();
    this.#choices = undefined;
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
