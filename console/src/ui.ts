import { errorMessage } from './api.js';
import { h, nextId, type Child } from './dom.js';

/** Shared page parts: headings, error and empty states, tables that scroll on small screens, badges. */

export function pageHeader(title: string, lead?: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'page-header' }, h('div', null, h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null), actions.length ? h('div', { class: 'actions' }, actions) : null);
}

/** An API or network error, said in words, with a way to try again: never a blank page. */
export function errorBox(error: unknown, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('strong', null, 'Something went wrong. '),
    h('span', { class: 'message' }, errorMessage(error)),
    retry ? h('button', { type: 'button', class: 'secondary small', onclick: retry }, 'Try again') : null,
  );
}

export function loading(what = 'Loading…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, what);
}

export function empty(text: string, ...more: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('p', null, text), more);
}

/** A table in a focusable, labelled region that scrolls sideways when the screen is narrow. */
export function table(label: string, headers: string[], rows: Child[][], options: { caption?: boolean } = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' },
    h(
      'table',
      null,
      options.caption ? h('caption', null, label) : null,
      h('thead', null, h('tr', null, headers.map((header) => h('th', { scope: 'col' }, header)))),
      h('tbody', null, rows.map((row) => h('tr', null, row.map((cell) => h('td', null, cell))))),
    ),
  );
}

const STATUS_TONES: Record<string, string> = {
  succeeded: 'good', active: 'good', delivered: 'good', running: 'busy', queued: 'busy', pending: 'busy', building: 'busy', deploying: 'busy',
  pending_build: 'busy', pending_deploy: 'busy', waiting_for_input: 'warn', failed: 'bad', error: 'bad', cancelled: 'muted', canceled: 'muted', superseded: 'muted', revoked: 'muted',
};

export function badge(status: string): HTMLElement {
  const key = status.toLowerCase();
  return h('span', { class: `badge ${STATUS_TONES[key] ?? 'muted'}` }, key.replace(/_/g, ' '));
}

/** A section with a heading (h2) that names it for assistive technology. */
export function section(title: string, ...children: Child[]): HTMLElement {
  const id = nextId('s');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/** Text that can be copied with one click; `label` names the button for screen readers. */
export function copyable(text: string, label: string): HTMLElement {
  const status = h('span', { class: 'copied', role: 'status' });
  return h(
    'div',
    { class: 'copyable' },
    h('code', null, text),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary small',
        'aria-label': label,
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(text);
            status.textContent = 'Copied';
          } catch {
            status.textContent = 'Select the text and copy it (the browser refused the clipboard)';
          }
        },
      },
      'Copy',
    ),
    status,
  );
}

/** A button that does an async action: disabled while it runs; its error shown next to it. */
export function actionButton(text: string, action: () => Promise<unknown>, props: Record<string, unknown> = {}): HTMLElement {
  const message = h('span', { class: 'inline-error', role: 'alert' });
  const button = h('button', {
    type: 'button',
    ...props,
    onclick: async () => {
      button.disabled = true;
      message.textContent = '';
      try {
        await action();
      } catch (error) {
        message.textContent = errorMessage(error);
      } finally {
        button.disabled = false;
      }
    },
  }, text);
  return h('span', { class: 'action' }, button, message);
}

/** A form whose submit runs `action` (disabled while it runs); success and error messages under it. */
export function form(label: string, fields: Child[], submitText: string, action: (form: HTMLFormElement) => Promise<string | void>): HTMLFormElement {
  const result = h('p', { class: 'form-result', role: 'status' });
  const submit = h('button', { type: 'submit' }, submitText);
  const element: HTMLFormElement = h(
    'form',
    {
      'aria-label': label,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        result.textContent = '';
        result.className = 'form-result';
        try {
          const done = await action(element);
          if (done) result.textContent = done;
        } catch (error) {
          result.className = 'form-result error';
          result.textContent = errorMessage(error);
        } finally {
          submit.disabled = false;
        }
      },
    },
    fields,
    h('div', { class: 'form-actions' }, submit),
    result,
  );
  return element;
}

export const shortId = (id: string) => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id);
