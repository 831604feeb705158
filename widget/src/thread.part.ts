import type { SessionEndStatus } from '@everjust/core/session-status';
import { fill, type WidgetStrings } from './strings.js';

/** Command output kept per command, so a chatty build cannot grow the page without end. */
const MAX_OUTPUT_CHARS = 20_000;

/** What a session's events are shown on: one turn of the conversation. */
export interface TurnView {
  /** The model's text, streamed into the reply. */
  appendText(text: string): void;
  /** The model's text stops (another event came): the next text starts a new paragraph. */
  endText(): void;
  /** A step in the turn's details; `error` lines are shown in the reply too. */
  entry(kind: 'status' | 'file' | 'command' | 'error', text: string): void;
  commandStarted(commandId: string, command: string): void;
  commandOutput(commandId: string, text: string): void;
  /** How the session ended, shown under the reply; the details fold away unless opened by hand. */
  finish(status: SessionEndStatus, text: string): void;
  /** The model asks the end user: the question in the reply, a button per choice (`onChoice` answers with it). */
  question(question: string, choices: string[], onChoice: (choice: string) => void): void;
  /** The question was answered (here or by another client): its buttons go, the answer is shown. */
  answered(answer: string): void;
}

const element = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] => {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/**
 * One turn: the end user's prompt, then the builder's reply (its streamed text), its outcome, and
 * collapsible details (files written, commands and their output, steps).
 */
export class Turn implements TurnView {
  readonly root = element('article', 'turn');
  readonly #reply = element('div', 'reply');
  readonly #details = element('details', 'steps');
  readonly #summary = element('summary', 'summary');
  readonly #steps = element('div', 'step-list');
  readonly #outcome = element('p', 'outcome');
  readonly #outputs = new Map<string, HTMLElement>();
  #text?: HTMLElement;
  #choices?: HTMLElement;
  #files = 0;
  #commands = 0;
  #toggledByHand = false;
  #onFirstOpen?: () => void;

  constructor(
    readonly sessionId: string,
    prompt: string,
    attachments: number,
    private readonly strings: () => WidgetStrings,
    private readonly scroll: () => void,
  ) {
    const user = element('div', 'message user');
    user.setAttribute('part', 'message user-message');
    user.append(element('span', 'who', strings().you), element('p', 'said', prompt));
    if (attachments > 0) user.append(element('p', 'attached', attachments === 1 ? strings().attachedImage : fill(strings().attachedImages, { count: attachments })));
    const assistant = element('div', 'message assistant');
    assistant.setAttribute('part', 'message assistant-message');
    this.#outcome.hidden = true;
    this.#details.append(this.#summary, this.#steps);
    this.#details.addEventListener('toggle', () => {
      if (this.#details.open && this.#onFirstOpen) {
        const load = this.#onFirstOpen;
        this.#onFirstOpen = undefined;
        load();
      }
    });
    this.#summary.addEventListener('click', () => void (this.#toggledByHand = true));
    assistant.append(element('span', 'who', strings().assistant), this.#reply, this.#outcome, this.#details);
    this.root.append(user, assistant);
    this.#count();
  }

  /** Shows the reply of a session that ended before the page loaded; its steps load when first opened. */
  restore(reply: string | null, status: SessionEndStatus, text: string, loadSteps: () => void): void {
    if (reply) this.#reply.append(element('p', 'text', reply));
    this.#onFirstOpen = () => {
      this.#count();
      loadSteps();
    };
    this.finish(status, text);
    // Its steps are not known until they load: no counts that would read as "nothing happened".
    this.#summary.textContent = this.strings().showSteps;
  }

  /** Opens the details while the session runs, so the end user sees each step as it happens. */
  live(): void {
    this.#details.open = true;
  }

  appendText(text: string): void {
    const paragraph = (this.#text ??= this.#reply.appendChild(element('p', 'text', '')));
    paragraph.textContent += text;
    this.scroll();
  }

  endText(): void {
    this.#text = undefined;
  }

  entry(kind: 'status' | 'file' | 'command' | 'error', text: string): void {
    this.#steps.append(element('div', kind, text));
    if (kind === 'file') this.#files++;
    if (kind === 'error') this.#reply.append(element('p', 'error', text));
    this.#count();
    this.scroll();
  }

  commandStarted(commandId: string, command: string): void {
    this.#commands++;
    this.entry('command', `$ ${command}`);
    this.#outputs.set(commandId, this.#steps.appendChild(element('div', 'output', '')));
  }

  commandOutput(commandId: string, text: string): void {
    const output = this.#outputs.get(commandId) ?? this.#steps.appendChild(element('div', 'output', ''));
    this.#outputs.set(commandId, output);
    output.textContent = ((output.textContent ?? '') + text).slice(-MAX_OUTPUT_CHARS);
    this.scroll();
  }

  question(question: string, choices: string[], onChoice: (choice: string) => void): void {
    this.#choices?.remove();
    this.#text = undefined;
    const asked = this.#reply.appendChild(element('p', 'question', question));
    asked.setAttribute('part', 'question');
    if (choices.length > 0) {
      const group = this.#reply.appendChild(element('div', 'choices'));
      group.setAttribute('part', 'choices');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', this.strings().answers);
      for (const choice of choices) {
        const button = group.appendChild(element('button', 'choice', choice));
        button.type = 'button';
        button.setAttribute('part', 'choice-button');
        button.addEventListener('click', () => {
          for (const other of group.querySelectorAll('button')) other.disabled = true;
          onChoice(choice);
        });
      }
      this.#choices = group;
    }
    this.scroll();
  }

  answered(answer: string): void {
    this.#choices?.remove();
    this.#choices = undefined;
    this.#text = undefined;
    this.#reply.append(element('p', 'answer', fill(this.strings().answered, { answer })));
    this.scroll();
  }

  finish(status: SessionEndStatus, text: string): void {
    this.#choices?.remove(); // a question left unanswered (cancelled, expired) cannot be answered any more
    this.#choices = undefined;
    this.#outcome.textContent = text;
    this.#outcome.dataset.status = status;
    this.#outcome.hidden = false;
    if (!this.#toggledByHand) this.#details.open = false;
    this.scroll();
  }

  #count(): void {
    if (this.#onFirstOpen) return;
    this.#summary.textContent = fill(this.strings().details, { files: this.#files, commands: this.#commands });
  }
}

/**
 * The conversation part of `<everjust-builder>`: one turn per session, newest last, the live one
 * streaming; earlier turns are loaded on demand (the "Show earlier" button at the top).
 */
export class Thread {
  readonly #turns = new Map<string, Turn>();

  constructor(
    private readonly parts: { log: HTMLElement; earlier: HTMLButtonElement; empty: HTMLElement },
    private readonly strings: () => WidgetStrings,
  ) {}

  clear(): void {
    this.#turns.clear();
    this.parts.log.querySelectorAll('.turn').forEach((turn) => turn.remove());
    this.parts.earlier.hidden = true;
    this.parts.empty.hidden = false;
  }

  /** The turn of a session, made at the end of the thread (live) or at its top (earlier history). */
  turn(sessionId: string, prompt: string, at: 'end' | 'start' = 'end', attachments = 0): Turn {
    const existing = this.#turns.get(sessionId);
    if (existing) return existing;
    const turn = new Turn(sessionId, prompt, attachments, this.strings, () => this.#scroll(at));
    this.#turns.set(sessionId, turn);
    this.parts.empty.hidden = true;
    if (at === 'end') this.parts.log.append(turn.root);
    else this.parts.earlier.after(turn.root);
    this.#scroll(at);
    return turn;
  }

  /** Whether older sessions remain to be loaded. */
  setHasEarlier(hasEarlier: boolean): void {
    this.parts.earlier.hidden = !hasEarlier;
  }

  #scroll(at: 'end' | 'start'): void {
    if (at === 'end') this.parts.log.scrollTop = this.parts.log.scrollHeight;
  }
}
