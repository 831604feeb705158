import { storageHelperScript } from './layout.js';
import type { AppTemplate } from './types.js';

/** A todo list: add, complete and delete items, kept in localStorage. */
export const todoTemplate: AppTemplate = {
  id: 'todo',
  label: 'a todo list',
  defaultTitle: 'Todo list',
  keywords: ['to-do', 'to-dos', 'task list', 'tasks', 'task manager', 'task tracker', 'checklist', 'shopping list', 'grocery list', 'groceries', 'reminders'],
  features: 'you can add items, tick them off, delete them and clear the completed ones, and the list is kept in the browser\'s localStorage',

  body: () => `    <form id="new-item-form" class="row" autocomplete="off">
      <label class="visually-hidden" for="new-item">New item</label>
      <input id="new-item" name="item" type="text" placeholder="What needs doing?" maxlength="200" required>
      <button type="submit">Add</button>
    </form>
    <ul id="item-list" class="item-list" aria-live="polite"></ul>
    <div class="row todo-actions">
      <p id="item-summary" class="muted"></p>
      <button id="clear-completed" type="button" class="secondary" hidden>Clear completed</button>
    </div>
`,

  styles: () => `.item-list { list-style: none; margin: 1.5rem 0 1rem; padding: 0; }

.item {
  display: flex;
  gap: 0.75rem;
  align-items: center;
  padding: 0.6rem 0;
  border-bottom: 1px solid var(--border);
}

.item input[type="checkbox"] { width: 1.2rem; height: 1.2rem; accent-color: var(--accent); }
.item-text { flex: 1; overflow-wrap: anywhere; }
.item.done .item-text { text-decoration: line-through; color: var(--muted); }
.item button { padding: 0.3rem 0.7rem; font-size: 0.85rem; }
.todo-actions { justify-content: space-between; }
`,

  script: (plan) => `// Built by the EverJust offline generator: a todo list with no dependencies.
(() => {
  'use strict';

${storageHelperScript(plan)}
  const store = createStore(storageKey);
  const form = document.getElementById('new-item-form');
  const input = document.getElementById('new-item');
  const list = document.getElementById('item-list');
  const summary = document.getElementById('item-summary');
  const clearCompleted = document.getElementById('clear-completed');

  // Saved data may come from an older version of the page: keep only well-formed items.
  const saved = store.load([]);
  let items = Array.isArray(saved)
    ? saved.filter((item) => item && typeof item.text === 'string' && typeof item.id === 'number')
    : [];
  let nextId = items.reduce((highest, item) => Math.max(highest, item.id), 0) + 1;

  function save() {
    store.save(items);
  }

  function toggleItem(id) {
    items = items.map((item) => (item.id === id ? { ...item, done: !item.done } : item));
    save();
    render();
  }

  function deleteItem(id) {
    items = items.filter((item) => item.id !== id);
    save();
    render();
  }

  function renderItem(item) {
    const row = document.createElement('li');
    row.className = item.done ? 'item done' : 'item';

    const checkbox = document.createElement('input');
    checkbox.type = 'checkbox';
    checkbox.checked = Boolean(item.done);
    checkbox.setAttribute('aria-label', 'Complete ' + item.text);
    checkbox.addEventListener('change', () => toggleItem(item.id));

    const text = document.createElement('span');
    text.className = 'item-text';
    text.textContent = item.text;

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.textContent = 'Delete';
    remove.setAttribute('aria-label', 'Delete ' + item.text);
    remove.addEventListener('click', () => deleteItem(item.id));

    row.append(checkbox, text, remove);
    return row;
  }

  function render() {
    list.replaceChildren(...items.map(renderItem));
    const left = items.filter((item) => !item.done).length;
    summary.textContent = items.length === 0
      ? 'Nothing here yet: add your first item.'
      : left + ' of ' + items.length + (items.length === 1 ? ' item' : ' items') + ' left';
    clearCompleted.hidden = !items.some((item) => item.done);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === '') return;
    items = [...items, { id: nextId++, text, done: false }];
    save();
    input.value = '';
    input.focus();
    render();
  });

  clearCompleted.addEventListener('click', () => {
    items = items.filter((item) => !item.done);
    save();
    render();
  });

  render();
})();
`,
};
