import { storageHelperScript } from './layout.js';
import type { AppTemplate } from './types.js';

/** A counter: up, down and reset, with keyboard shortcuts; the count survives a reload. */
export const counterTemplate: AppTemplate = {
  id: 'counter',
  label: 'a counter',
  defaultTitle: 'Counter',
  keywords: ['counter', 'tally', 'clicker', 'increment', 'decrement'],
  features: 'it counts up and down with buttons or the arrow keys, resets to zero, and remembers the count in localStorage',

  body: () => `    <output id="count" class="count" aria-live="polite">0</output>
    <div class="row counter-buttons">
      <button id="decrement" type="button" aria-label="Decrease">−</button>
      <button id="reset" type="button" class="secondary">Reset</button>
      <button id="increment" type="button" aria-label="Increase">+</button>
    </div>
    <p class="muted hint">Tip: the arrow keys count too.</p>
`,

  styles: () => `.count {
  display: block;
  margin: 1rem 0 1.5rem;
  font-size: clamp(4rem, 15vw, 7rem);
  font-weight: 700;
  text-align: center;
  font-variant-numeric: tabular-nums;
}

.counter-buttons { justify-content: center; }
.counter-buttons button { min-width: 4rem; font-size: 1.5rem; }
.counter-buttons button.secondary { font-size: 1rem; }
.hint { text-align: center; }
`,

  script: (plan) => `// Built by the EverJust offline generator: a counter with no dependencies.
(() => {
  'use strict';

${storageHelperScript(plan)}
  const store = createStore(storageKey);
  const output = document.getElementById('count');
  const saved = store.load(0);
  let count = Number.isFinite(saved) ? saved : 0;

  function show() {
    output.textContent = String(count);
  }

  function change(amount) {
    count = amount === 0 ? 0 : count + amount;
    store.save(count);
    show();
  }

  document.getElementById('increment').addEventListener('click', () => change(1));
  document.getElementById('decrement').addEventListener('click', () => change(-1));
  document.getElementById('reset').addEventListener('click', () => change(0));

  document.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowUp' || event.key === 'ArrowRight') change(1);
    if (event.key === 'ArrowDown' || event.key === 'ArrowLeft') change(-1);
  });

  show();
})();
`,
};
