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
  /**
   * The model asks the end user: the question, its choices as buttons (none: a free answer), and a
   * text box. `answer` resolves false when the answer was refused (the controls come back).
   */
  question(question: string, choices: string[], answer: (text: string) => Promise<boolean>): void;
  /** The question was answered (here, or elsewhere: another tab, a reload's replay). */
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
  #files = 0;
  #commands = 0;
  #toggledByHand = false;
  #onFirstOpen?: () => void;
  /** The question waiting for an answer, if any. */
  #question?: HTMLElement;

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

  finish(status: SessionEndStatus, text: string): void {
    this.#outcome.textContent = text;
    this.#outcome.dataset.status = status;
    this.#outcome.hidden = false;
    if (!this.#toggledByHand) this.#details.open = false;
    this.scroll();
  }

  question(question: string, choices: string[], answer: (text: string) => Promise<boolean>): void {
    const strings = this.strings();
    const box = element('div', 'question');
    box.setAttribute('part', 'question');
    box.setAttribute('role', 'group');
    const text = element('p', 'asked', question);
    text.id = `q-${this.sessionId}-${this.#reply.childElementCount}`;
    box.setAttribute('aria-labelledby', text.id);
    const controls = element('div', 'choices');
    const send = async (value: string) => {
      const trimmed = value.trim();
      if (!trimmed) return;
      this.#setQuestionDisabled(box, true);
      if (!(await answer(trimmed))) this.#setQuestionDisabled(box, false);
    };
    for (const choice of choices) {
      const button = element('button', 'choice', choice);
      button.type = 'button';
      button.setAttribute('part', 'choice-button');
      button.addEventListener('click', () => void send(choice));
      controls.append(button);
    }
    const form = element('form', 'free-answer');
    const input = element('input', 'answer-input');
    input.type = 'text';
    input.setAttribute('aria-label', strings.yourAnswer);
    input.placeholder = strings.yourAnswer;
    const submit = element('button', 'answer-button', strings.answer);
    submit.type = 'submit';
    form.append(input, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void send(input.value);
    });
    box.append(text, controls, form);
    this.#reply.append(box);
    this.#question = box;
    this.entry('status', fill(strings.asked, { question }));
    this.scroll();
    (choices.length ? controls.querySelector('button') : input)?.focus({ preventScroll: true });
  }

  answered(answer: string): void {
    const box = this.#question;
    this.entry('status', fill(this.strings().answered, { answer }));
    if (!box) return;
    this.#setQuestionDisabled(box, true);
    box.querySelector('.free-answer')?.remove();
    box.append(element('p', 'given', fill(this.strings().answered, { answer })));
    this.#question = undefined;
  }

  #setQuestionDisabled(box: HTMLElement, disabled: boolean): void {
    for (const control of box.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input')) control.disabled = disabled;
  }

  #count(): void {
    if (this.#onFirstOpen) return;
    // A turn that wrote nothing and ran nothing (a deploy, a preview) has steps, not "0 files, 0 commands".
    this.#summary.textContent = this.#files + this.#commands === 0 ? this.strings().showSteps : fill(this.strings().details, { files: this.#files, commands: this.#commands });
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
