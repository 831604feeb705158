/**
 * A tiny hyperscript: `h('button', { type: 'button', onclick }, 'Save')` makes the element. Props
 * named `on…` with a function become listeners; `value`, `checked`, `disabled`, `selected` and
 * `hidden` are set as properties; everything else is an attribute (`false`/`null` leave it out).
 * No inline styles or scripts are ever written as markup, so the strict CSP holds.
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown>;

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'open']);

function apply(element: Element, props: Props | null | undefined) {
  if (!props) return;
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) {
      if (PROPERTIES.has(name)) (element as any)[name] = false;
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value as EventListener);
    else if (PROPERTIES.has(name)) (element as any)[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

export function append(parent: Node, children: Child[]) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, props);
  append(element, children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(tag: string, props?: Props | null, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  apply(element, props);
  append(element, children);
  return element;
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]) {
  parent.replaceChildren();
  append(parent, children);
}

let uniqueId = 0;
/** A fresh id for label/aria references. */
export function nextId(prefix = 'c'): string {
  return `${prefix}-${++uniqueId}`;
}

/** A labelled form field: `<label for>` + the control, with an optional hint tied by aria-describedby. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = control.id || nextId('f');
  control.id = id;
  let hintElement: HTMLElement | undefined;
  if (hint) {
    hintElement = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    control.setAttribute('aria-describedby', hintElement.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintElement);
}
