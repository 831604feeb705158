import { toJavaScriptString } from './escape.js';
import type { AppPlan, AppTemplate } from './types.js';

/** Pomodoro sessions are 25 minutes by convention. */
const pomodoroMinutes = 25;
const defaultMinutes = 5;

/** A countdown when the prompt asks for one ("countdown", "pomodoro", a plain "timer"); else a stopwatch. */
function startsAsCountdown(plan: AppPlan): boolean {
  const prompt = plan.subjectPrompt.toLowerCase();
  if (/\bstop[\s-]?watch\b|\blaps?\b/.test(prompt)) return false;
  return /\bcount[\s-]?down\b|\bpomodoro\b|\btimer\b/.test(prompt);
}

/** "a 10 minute timer" → 10; pomodoro → 25; otherwise 5. */
function countdownMinutes(plan: AppPlan): number {
  const prompt = plan.subjectPrompt.toLowerCase();
  const stated = /\b(\d{1,3})[\s-]*(?:min|mins|minute|minutes)\b/.exec(prompt);
  if (stated && Number(stated[1]) > 0) return Number(stated[1]);
  return /\bpomodoro\b/.test(prompt) ? pomodoroMinutes : defaultMinutes;
}

/** A stopwatch with laps and a countdown, in one display; the prompt picks the starting mode. */
export const timerTemplate: AppTemplate = {
  id: 'timer',
  label: 'a timer and stopwatch',
  defaultTitle: 'Timer',
  keywords: ['timer', 'stop-watch', 'count-down', 'pomodoro', 'lap timer', 'egg timer'],
  features: 'it works as a stopwatch with laps or as a countdown of a number of minutes, with start, pause and reset, and shows the running time in the tab title',

  body: (plan) => {
    const countdown = startsAsCountdown(plan);
    return `    <fieldset class="row modes">
      <legend class="visually-hidden">Mode</legend>
      <label><input type="radio" name="mode" value="stopwatch"${countdown ? '' : ' checked'}> Stopwatch</label>
      <label><input type="radio" name="mode" value="countdown"${countdown ? ' checked' : ''}> Countdown</label>
      <label id="minutes-field" class="row">from <input id="minutes" type="number" min="1" max="999" value="${countdownMinutes(plan)}"> minutes</label>
    </fieldset>
    <output id="time" class="time" aria-live="off">00:00.00</output>
    <p id="timer-status" class="status" role="status"></p>
    <div class="row timer-buttons">
      <button id="start" type="button">Start</button>
      <button id="lap" type="button" class="secondary">Lap</button>
      <button id="reset" type="button" class="secondary">Reset</button>
    </div>
    <ol id="laps" class="laps"></ol>
`;
  },

  styles: () => `.modes { border: 0; padding: 0; margin: 0; flex-wrap: wrap; gap: 1rem; }
.modes input[type="number"] { width: 5rem; }

.time {
  display: block;
  margin: 1.5rem 0 0.5rem;
  font-size: clamp(3rem, 12vw, 5.5rem);
  font-weight: 700;
  text-align: center;
  font-variant-numeric: tabular-nums;
}

.time.finished { color: var(--accent); }
.status { min-height: 1.5em; text-align: center; font-weight: 600; }
.timer-buttons { justify-content: center; }
.timer-buttons button { min-width: 6rem; }
.timer-buttons button:disabled { opacity: 0.5; cursor: default; }
.laps { margin-top: 1.5rem; font-variant-numeric: tabular-nums; }
`,

  script: (plan) => `// Built by the EverJust offline generator: a stopwatch and countdown with no dependencies.
(() => {
  'use strict';

  const pageTitle = ${toJavaScriptString(plan.title)};
  const display = document.getElementById('time');
  const status = document.getElementById('timer-status');
  const startButton = document.getElementById('start');
  const lapButton = document.getElementById('lap');
  const resetButton = document.getElementById('reset');
  const lapList = document.getElementById('laps');
  const minutesField = document.getElementById('minutes-field');
  const minutesInput = document.getElementById('minutes');
  const modeInputs = Array.from(document.querySelectorAll('input[name="mode"]'));

  let mode = (modeInputs.find((input) => input.checked) || modeInputs[0]).value;
  // Time is measured from performance.now(), not by counting ticks: timers are throttled in background tabs.
  let elapsedBeforeStart = 0;
  let startedAt = null;
  let ticker = 0;
  let lastLapAt = 0;
  let lapCount = 0;

  function elapsed() {
    return elapsedBeforeStart + (startedAt === null ? 0 : performance.now() - startedAt);
  }

  function duration() {
    const minutes = Number(minutesInput.value);
    return Number.isFinite(minutes) && minutes > 0 ? Math.min(minutes, 999) * 60000 : 0;
  }

  function shownTime() {
    return mode === 'countdown' ? Math.max(0, duration() - elapsed()) : elapsed();
  }

  function format(milliseconds) {
    const pad = (number) => String(number).padStart(2, '0');
    const centiseconds = Math.floor(milliseconds / 10);
    const seconds = Math.floor(centiseconds / 100);
    const hours = Math.floor(seconds / 3600);
    const clock = pad(Math.floor(seconds / 60) % 60) + ':' + pad(seconds % 60) + '.' + pad(centiseconds % 100);
    return (hours > 0 ? hours + ':' : '') + clock;
  }

  function render() {
    const running = startedAt !== null;
    const time = format(shownTime());
    display.textContent = time;
    const finished = mode === 'countdown' && elapsed() > 0 && elapsed() >= duration();
    startButton.textContent = running ? 'Pause' : finished ? 'Restart' : elapsed() > 0 ? 'Resume' : 'Start';
    lapButton.hidden = mode !== 'stopwatch';
    lapButton.disabled = !running;
    minutesField.hidden = mode !== 'countdown';
    minutesInput.disabled = running || elapsed() > 0;
    document.title = running ? time.slice(0, -3) + ' · ' + pageTitle : pageTitle;
  }

  function stopTicking() {
    clearInterval(ticker);
    if (startedAt !== null) elapsedBeforeStart = elapsed();
    startedAt = null;
  }

  function tick() {
    if (mode === 'countdown' && elapsed() >= duration()) {
      stopTicking();
      elapsedBeforeStart = duration();
      status.textContent = "Time's up!";
      display.classList.add('finished');
    }
    render();
  }

  function start() {
    if (mode === 'countdown' && duration() === 0) {
      status.textContent = 'Set a number of minutes first.';
      return;
    }
    if (mode === 'countdown' && elapsed() >= duration()) reset();
    status.textContent = '';
    startedAt = performance.now();
    ticker = setInterval(tick, 50);
    render();
  }

  function pause() {
    stopTicking();
    render();
  }

  function reset() {
    stopTicking();
    elapsedBeforeStart = 0;
    lastLapAt = 0;
    lapCount = 0;
    lapList.replaceChildren();
    status.textContent = '';
    display.classList.remove('finished');
    render();
  }

  function lap() {
    const total = elapsed();
    lapCount += 1;
    const item = document.createElement('li');
    item.textContent = 'Lap ' + lapCount + ': ' + format(total - lastLapAt) + ' (total ' + format(total) + ')';
    lastLapAt = total;
    lapList.prepend(item);
  }

  startButton.addEventListener('click', () => (startedAt === null ? start() : pause()));
  lapButton.addEventListener('click', lap);
  resetButton.addEventListener('click', reset);
  minutesInput.addEventListener('input', render);
  for (const input of modeInputs) {
    input.addEventListener('change', () => {
      mode = input.value;
      reset();
    });
  }

  render();
})();
`,
};
