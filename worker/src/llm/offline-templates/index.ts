/**
 * The offline generator's templates: small dependency-free web apps (index.html, styles.css, app.js)
 * filled in from a plan read from the prompts.
 */
import { renderIndexHtml, renderStyles } from './layout.js';
import { BROKEN_TAG } from './plan.js';
import { templateById } from './templates.js';
import type { AppPlan, GeneratedFile } from './types.js';

export { chooseTemplate, planApp } from './plan.js';
export { appTemplates, templateById } from './templates.js';
export { escapeHtml } from './escape.js';
export { truncate } from './layout.js';
export type { AppPlan, GeneratedFile } from './types.js';

/** The three files of the app in `plan`, in the order they are written. */
export function renderApp(plan: AppPlan): GeneratedFile[] {
  const template = templateById(plan.templateId);
  return [
    { path: 'index.html', content: renderIndexHtml(plan, template) },
    { path: 'styles.css', content: renderStyles(plan, template) },
    { path: 'app.js', content: plan.broken ? brokenScript(template.script(plan)) : template.script(plan) },
  ];
}

/** The lines `#broken` puts at the top of app.js (the offline repair round removes them). */
export const BROKEN_THROW = `// ${BROKEN_TAG} (the offline generator's test hook): this app throws at load, on purpose.\nthrow new Error('The app failed to start (${BROKEN_TAG} test hook)');\n`;

/** `#broken`: the app's script throws on its second line, before anything else runs. */
function brokenScript(script: string): string {
  return `${BROKEN_THROW}${script}`;
}
