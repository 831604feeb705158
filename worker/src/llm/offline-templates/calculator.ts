import type { AppTemplate } from './types.js';

/** The keypad, row by row: [data-key, label, extra class]. */
const keypad: Array<[string, string, string]> = [
  ['clear', 'C', 'secondary'], ['backspace', '⌫', 'secondary'], ['percent', '%', 'secondary'], ['divide', '÷', 'operator'],
  ['7', '7', ''], ['8', '8', ''], ['9', '9', ''], ['multiply', '×', 'operator'],
  ['4', '4', ''], ['5', '5', ''], ['6', '6', ''], ['subtract', '−', 'operator'],
  ['1', '1', ''], ['2', '2', ''], ['3', '3', ''], ['add', '+', 'operator'],
  ['0', '0', 'wide'], ['.', '.', ''], ['equals', '=', 'operator'],
];

function keypadButtons(): string {
  return keypad
    .map(([key, label, extraClass]) => {
      const classes = ['key', extraClass].filter(Boolean).join(' ');
      return `      <button type="button" class="${classes}" data-key="${key}">${label}</button>`;
    })
    .join('\n');
}

/** A calculator with the four operations and percent; no eval, the arithmetic is explicit. */
export const calculatorTemplate: AppTemplate = {
  id: 'calculator',
  label: 'a calculator',
  defaultTitle: 'Calculator',
  keywords: ['calculator', 'calc', 'arithmetic', 'calculate'],
  features: 'it adds, subtracts, multiplies and divides, with percent, backspace and clear, from the buttons or the keyboard',

  body: () => `    <div class="calculator">
      <p id="expression" class="expression muted" aria-hidden="true"></p>
      <output id="display" class="display" aria-live="polite">0</output>
      <div id="keypad" class="keypad">
${keypadButtons()}
      </div>
    </div>
`,

  styles: () => `.calculator { max-width: 22rem; margin: 0 auto; }
.expression { min-height: 1.5em; margin: 0; text-align: right; }

.display {
  display: block;
  margin-bottom: 1rem;
  font-size: 2.75rem;
  font-weight: 600;
  text-align: right;
  font-variant-numeric: tabular-nums;
  overflow-wrap: anywhere;
}

.keypad { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.5rem; }
.key { padding: 1rem 0; font-size: 1.25rem; background: var(--background); color: var(--text); border: 1px solid var(--border); }
.key.secondary { color: var(--muted); }
.key.operator { background: var(--accent); color: var(--accent-contrast); border-color: transparent; }
.key.wide { grid-column: span 2; }
`,

  script: () => `// Built by the EverJust offline generator: a calculator with no dependencies.
(() => {
  'use strict';

  const display = document.getElementById('display');
  const expression = document.getElementById('expression');
  const keypad = document.getElementById('keypad');
  const symbols = { add: '+', subtract: '−', multiply: '×', divide: '÷' };
  const maximumDigits = 15;

  let entry = '0';
  let stored = null;
  let operator = null;
  // After an operator or "=", the next digit starts a new number instead of extending the shown one.
  let startNewEntry = false;

  function calculate(left, operation, right) {
    if (operation === 'add') return left + right;
    if (operation === 'subtract') return left - right;
    if (operation === 'multiply') return left * right;
    return right === 0 ? NaN : left / right;
  }

  // Twelve significant digits hide binary rounding noise such as 0.1 + 0.2 = 0.30000000000000004.
  function formatNumber(value) {
    return Number.isFinite(value) ? String(parseFloat(value.toPrecision(12))) : 'Error';
  }

  function clearAll() {
    entry = '0';
    stored = null;
    operator = null;
    startNewEntry = false;
  }

  function inputDigit(digit) {
    if (startNewEntry || entry === '0' || entry === 'Error') {
      entry = digit;
      startNewEntry = false;
    } else if (entry.replace(/[^0-9]/g, '').length < maximumDigits) {
      entry += digit;
    }
  }

  function inputPoint() {
    if (startNewEntry || entry === 'Error') {
      entry = '0.';
      startNewEntry = false;
    } else if (!entry.includes('.')) {
      entry += '.';
    }
  }

  function chooseOperator(nextOperator) {
    if (entry === 'Error') return;
    if (operator !== null && !startNewEntry) {
      entry = formatNumber(calculate(stored, operator, Number(entry)));
      if (entry === 'Error') {
        stored = null;
        operator = null;
        startNewEntry = true;
        return;
      }
    }
    stored = Number(entry);
    operator = nextOperator;
    startNewEntry = true;
  }

  function equals() {
    if (operator === null || entry === 'Error') return;
    entry = formatNumber(calculate(stored, operator, Number(entry)));
    stored = null;
    operator = null;
    startNewEntry = true;
  }

  function press(key) {
    if (/^[0-9]$/.test(key)) inputDigit(key);
    else if (key === '.') inputPoint();
    else if (Object.hasOwn(symbols, key)) chooseOperator(key);
    else if (key === 'equals') equals();
    else if (key === 'clear') clearAll();
    else if (key === 'percent' && entry !== 'Error') entry = formatNumber(Number(entry) / 100);
    else if (key === 'backspace' && !startNewEntry && entry !== 'Error') entry = entry.length > 1 ? entry.slice(0, -1) : '0';
    if (entry === '-') entry = '0';
    display.textContent = entry;
    expression.textContent = operator === null ? '' : formatNumber(stored) + ' ' + symbols[operator];
  }

  keypad.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-key]');
    if (button) press(button.dataset.key);
  });

  const keyboard = {
    '+': 'add', '-': 'subtract', '*': 'multiply', x: 'multiply', '/': 'divide', '%': 'percent',
    '=': 'equals', Enter: 'equals', Backspace: 'backspace', Escape: 'clear', Delete: 'clear', ',': '.',
  };
  document.addEventListener('keydown', (event) => {
    const key = /^[0-9.]$/.test(event.key) ? event.key : Object.hasOwn(keyboard, event.key) ? keyboard[event.key] : null;
    if (key === null) return;
    // Enter on a focused button would also click it: handle the key once.
    event.preventDefault();
    press(key);
  });
})();
`,
};
