import { escapeHtml } from './escape.js';
import { truncate } from './layout.js';
import type { AppPlan, AppTemplate } from './types.js';

/** Prompts may be 20,000 characters; the page shows the start, so the output stays within a model's budget. */
const shownPromptLength = 2_000;

/** The prompt, escaped, as paragraphs: a blank line starts a new one, a single newline is a line break. */
function promptParagraphs(plan: AppPlan): string {
  const paragraphs = truncate(plan.subjectPrompt.trim(), shownPromptLength)
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  if (paragraphs.length === 0) paragraphs.push('Describe your app in a prompt and it appears here.');
  return paragraphs
    .map((paragraph) => `        <p>${escapeHtml(paragraph).replace(/\r?\n/g, '<br>\n')}</p>`)
    .join('\n');
}

/** Anything the other templates do not cover: a landing page that shows the prompt as its content. */
export const landingTemplate: AppTemplate = {
  id: 'landing',
  label: 'a landing page',
  defaultTitle: 'Welcome',
  keywords: ['landing page', 'landing', 'homepage', 'home-page', 'website', 'web-site', 'site', 'portfolio', 'page'],
  features: 'it presents your description as the page content, with a sign-up form that confirms in the page and sends nothing anywhere',

  body: (plan) => `    <section class="hero">
      <div class="description">
${promptParagraphs(plan)}
      </div>
    </section>
    <section class="signup" aria-labelledby="signup-heading">
      <h2 id="signup-heading">Stay in touch</h2>
      <form id="signup-form" class="row" novalidate>
        <label class="visually-hidden" for="email">Email address</label>
        <input id="email" name="email" type="email" placeholder="you@example.com" autocomplete="email" required>
        <button type="submit">Sign up</button>
      </form>
      <p id="signup-message" class="muted" role="status">A demo form: nothing is sent anywhere.</p>
    </section>
`,

  styles: () => `.hero .description { font-size: 1.15rem; overflow-wrap: anywhere; }
.hero .description p { margin: 0 0 1rem; }

.signup {
  margin-top: 2rem;
  padding: 1.25rem;
  border-radius: 0.75rem;
  background: var(--background);
  border: 1px solid var(--border);
}

.signup h2 { margin: 0 0 0.75rem; font-size: 1.1rem; }
.signup .error { color: #dc2626; }
`,

  script: () => `// Built by the EverJust offline generator: a landing page with no dependencies.
(() => {
  'use strict';

  const form = document.getElementById('signup-form');
  const email = document.getElementById('email');
  const message = document.getElementById('signup-message');

  form.addEventListener('submit', (event) => {
    // The page has no server: confirm here instead of posting anywhere.
    event.preventDefault();
    const address = email.value.trim();
    const valid = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(address);
    message.classList.toggle('error', !valid);
    message.textContent = valid
      ? 'Thanks! ' + address + ' would be signed up (this demo sends nothing).'
      : 'Please enter a valid email address.';
    if (valid) form.reset();
  });
})();
`,
};
