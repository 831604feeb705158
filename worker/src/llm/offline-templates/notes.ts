import { storageHelperScript } from './layout.js';
import type { AppTemplate } from './types.js';

/** A notes app: write, edit, search and delete notes, kept in localStorage. */
export const notesTemplate: AppTemplate = {
  id: 'notes',
  label: 'a notes app',
  defaultTitle: 'Notes',
  keywords: ['notes', 'note-taking', 'note-taker', 'note app', 'notepad', 'notebook', 'memo', 'memos', 'journal', 'diary', 'scratchpad'],
  features: 'you can write notes, edit and delete them and search them, and they are kept in the browser\'s localStorage',

  body: () => `    <form id="note-form" class="note-form">
      <label class="visually-hidden" for="note-text">Note</label>
      <textarea id="note-text" rows="4" placeholder="Write a note…" maxlength="5000" required></textarea>
      <div class="row">
        <button id="save-note" type="submit">Add note</button>
        <button id="cancel-edit" type="button" class="secondary" hidden>Cancel</button>
      </div>
    </form>
    <label class="visually-hidden" for="search">Search notes</label>
    <input id="search" type="search" placeholder="Search notes">
    <ul id="note-list" class="note-list"></ul>
    <p id="notes-empty" class="muted"></p>
`,

  styles: () => `.note-form { display: grid; gap: 0.5rem; margin-bottom: 1.5rem; }
.note-form textarea { resize: vertical; }
.note-list { list-style: none; margin: 1rem 0 0; padding: 0; display: grid; gap: 0.75rem; }

.note {
  padding: 0.9rem 1rem;
  border: 1px solid var(--border);
  border-left: 4px solid var(--accent);
  border-radius: 0.5rem;
  background: var(--background);
}

.note-text { margin: 0 0 0.5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.note-meta { justify-content: space-between; font-size: 0.85rem; }
.note-meta button { padding: 0.25rem 0.6rem; font-size: 0.85rem; }
`,

  script: (plan) => `// Built by the EverJust offline generator: a notes app with no dependencies.
(() => {
  'use strict';

${storageHelperScript(plan)}
  const store = createStore(storageKey);
  const form = document.getElementById('note-form');
  const textArea = document.getElementById('note-text');
  const saveButton = document.getElementById('save-note');
  const cancelButton = document.getElementById('cancel-edit');
  const search = document.getElementById('search');
  const list = document.getElementById('note-list');
  const empty = document.getElementById('notes-empty');

  // Saved data may come from an older version of the page: keep only well-formed notes.
  const saved = store.load([]);
  let notes = Array.isArray(saved)
    ? saved.filter((note) => note && typeof note.text === 'string' && typeof note.id === 'number' && typeof note.updatedAt === 'number')
    : [];
  let nextId = notes.reduce((highest, note) => Math.max(highest, note.id), 0) + 1;
  let editingId = null;

  function save() {
    store.save(notes);
  }

  function startEditing(note) {
    editingId = note.id;
    textArea.value = note.text;
    saveButton.textContent = 'Save changes';
    cancelButton.hidden = false;
    textArea.focus();
  }

  function stopEditing() {
    editingId = null;
    textArea.value = '';
    saveButton.textContent = 'Add note';
    cancelButton.hidden = true;
  }

  function deleteNote(id) {
    notes = notes.filter((note) => note.id !== id);
    if (editingId === id) stopEditing();
    save();
    render();
  }

  function renderNote(note) {
    const item = document.createElement('li');
    item.className = 'note';

    const text = document.createElement('p');
    text.className = 'note-text';
    text.textContent = note.text;

    const meta = document.createElement('div');
    meta.className = 'row note-meta';
    const date = document.createElement('span');
    date.className = 'muted';
    date.textContent = new Date(note.updatedAt).toLocaleString();
    const actions = document.createElement('span');
    actions.className = 'row';
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.className = 'secondary';
    edit.textContent = 'Edit';
    edit.addEventListener('click', () => startEditing(note));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.textContent = 'Delete';
    remove.addEventListener('click', () => deleteNote(note.id));
    actions.append(edit, remove);
    meta.append(date, actions);

    item.append(text, meta);
    return item;
  }

  function render() {
    const query = search.value.trim().toLowerCase();
    const shown = notes
      .filter((note) => note.text.toLowerCase().includes(query))
      .sort((first, second) => second.updatedAt - first.updatedAt);
    list.replaceChildren(...shown.map(renderNote));
    empty.textContent = notes.length === 0 ? 'No notes yet.' : shown.length === 0 ? 'No note matches your search.' : '';
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textArea.value.trim();
    if (text === '') return;
    const now = Date.now();
    notes = editingId === null
      ? [...notes, { id: nextId++, text, updatedAt: now }]
      : notes.map((note) => (note.id === editingId ? { ...note, text, updatedAt: now } : note));
    stopEditing();
    save();
    render();
  });

  cancelButton.addEventListener('click', stopEditing);
  search.addEventListener('input', render);

  render();
})();
`,
};
