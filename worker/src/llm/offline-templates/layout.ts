/**
 * The parts every generated app shares: the HTML page around a template's body, the base styles, and
 * the storage helper. Every piece of prompt text that lands here goes through `escapeHtml`.
 */
import { escapeHtml, toJavaScriptString, toSlug } from './escape.js';
import type { AppPlan, AppTemplate } from './types.js';

/**
 * The footer lists the latest prompts as excerpts: enough to show what the app was asked to be, while a
 * long conversation or a 20,000-character prompt keeps the output well within a model's output budget.
 */
const footerPromptLength = 300;
const footerPromptCount = 10;

/** At most `length` characters, cut between code points (never inside a surrogate pair). */
export function truncate(text: string, length: number): string {
  const codePoints = Array.from(text);
  return codePoints.length <= length ? text : `${codePoints.slice(0, length - 1).join('').trimEnd()}…`;
}

export function renderIndexHtml(plan: AppPlan, template: AppTemplate): string {
  const title = escapeHtml(plan.title);
  const firstListed = Math.max(0, plan.prompts.length - footerPromptCount);
  const promptItems = plan.prompts
    .slice(firstListed)
    .map((prompt) => `        <li>${escapeHtml(truncate(prompt.trim(), footerPromptLength))}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="generator" content="EverJust offline generator">
  <title>${title}</title>
  <link rel="stylesheet" href="styles.css">
  <script src="app.js" defer></script>
</head>
<body>
  <!-- Built by the EverJust offline generator: filled in from a template, not written by an AI model. -->
  <main class="app app-${template.id}">
    <h1>${title}</h1>
${template.body(plan).trimEnd()}
  </main>
  <footer class="site-footer">
    <p>Built by the EverJust offline generator from a template (no AI model was used). Revision ${plan.prompts.length}.</p>
    <details>
      <summary>Prompts</summary>
      <ol start="${firstListed + 1}">
${promptItems}
      </ol>
    </details>
  </footer>
</body>
</html>
`;
}

function themeVariables(plan: AppPlan): string {
  const surfaces =
    plan.theme === 'dark'
      ? { scheme: 'dark', background: '#0f172a', surface: '#1e293b', text: '#e2e8f0', muted: '#94a3b8', border: '#334155' }
      : { scheme: 'light', background: '#f8fafc', surface: '#ffffff', text: '#0f172a', muted: '#64748b', border: '#e2e8f0' };
  return `:root {
  color-scheme: ${surfaces.scheme};
  --accent: ${plan.accent.value};
  --accent-contrast: ${plan.accent.contrast};
  --background: ${surfaces.background};
  --surface: ${surfaces.surface};
  --text: ${surfaces.text};
  --muted: ${surfaces.muted};
  --border: ${surfaces.border};
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}`;
}

/** No prompt text goes into CSS: colours come from a fixed palette, so nothing can close a comment or rule. */
export function renderStyles(plan: AppPlan, template: AppTemplate): string {
  return `/* Built by the EverJust offline generator (${plan.accent.name} accent, ${plan.theme} theme). */
${themeVariables(plan)}

* { box-sizing: border-box; }

body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
  background: var(--background);
  color: var(--text);
  line-height: 1.5;
}

main.app {
  flex: 1 0 auto;
  width: min(100% - 2rem, 40rem);
  margin: 3rem auto 2rem;
  padding: 2rem;
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 1rem;
  box-shadow: 0 10px 30px rgb(15 23 42 / 0.08);
}

h1 {
  margin: 0 0 1.5rem;
  font-size: clamp(1.6rem, 4vw, 2.2rem);
  line-height: 1.2;
  overflow-wrap: anywhere;
}

h1::after {
  content: "";
  display: block;
  width: 3rem;
  height: 0.25rem;
  margin-top: 0.75rem;
  border-radius: 1rem;
  background: var(--accent);
}

button {
  font: inherit;
  cursor: pointer;
  border: 0;
  border-radius: 0.5rem;
  padding: 0.6rem 1rem;
  background: var(--accent);
  color: var(--accent-contrast);
}

button:hover { filter: brightness(1.1); }

button.secondary {
  background: transparent;
  color: var(--text);
  border: 1px solid var(--border);
}

input, textarea, select {
  font: inherit;
  color: inherit;
  background: var(--background);
  border: 1px solid var(--border);
  border-radius: 0.5rem;
  padding: 0.6rem 0.75rem;
}

input[type="text"], input[type="search"], input[type="email"], textarea { width: 100%; }

:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }

.row { display: flex; gap: 0.5rem; align-items: center; }
.muted { color: var(--muted); }
.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
}
[hidden] { display: none !important; }

.site-footer {
  width: min(100% - 2rem, 40rem);
  margin: 0 auto 2rem;
  font-size: 0.85rem;
  color: var(--muted);
}

.site-footer ol { padding-left: 1.25rem; overflow-wrap: anywhere; }

/* ${template.label} */
${template.styles(plan).trim()}
`;
}

/** The key under which an app keeps its data: stable across revisions of the same app. */
export function storageKey(plan: AppPlan): string {
  return `everjust-offline:${plan.templateId}:${toSlug(plan.subjectPrompt)}`;
}

/** A `createStore(key)` function for app.js; `key` is embedded as an escaped string literal. */
export function storageHelperScript(plan: AppPlan): string {
  return `  const storageKey = ${toJavaScriptString(storageKey(plan))};

  // localStorage throws in a sandboxed preview (an opaque origin), so the app keeps working from memory there.
  function createStore(key) {
    let memory;
    return {
      load(fallback) {
        try {
          const saved = window.localStorage.getItem(key);
          if (saved !== null) return JSON.parse(saved);
        } catch (error) {
          // Unavailable or unreadable: fall back to what this page kept in memory.
        }
        return memory === undefined ? fallback : memory;
      },
      save(value) {
        memory = value;
        try {
          window.localStorage.setItem(key, JSON.stringify(value));
        } catch (error) {
          // Memory only: the data lasts until the page is closed.
        }
      },
    };
  }
`;
}
