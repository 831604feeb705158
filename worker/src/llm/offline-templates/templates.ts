import { calculatorTemplate } from './calculator.js';
import { counterTemplate } from './counter.js';
import { landingTemplate } from './landing.js';
import { notesTemplate } from './notes.js';
import { timerTemplate } from './timer.js';
import { todoTemplate } from './todo.js';
import type { AppTemplate, TemplateId } from './types.js';

/** The specific apps, in the order that breaks a tie between keywords found at the same place. */
export const specificTemplates: readonly AppTemplate[] = [todoTemplate, counterTemplate, timerTemplate, calculatorTemplate, notesTemplate];

/** Every template; the landing page is the fallback for prompts no other template matches. */
export const appTemplates: readonly AppTemplate[] = [...specificTemplates, landingTemplate];

export function templateById(id: TemplateId): AppTemplate {
  const template = appTemplates.find((candidate) => candidate.id === id);
  if (!template) throw new Error(`Unknown offline template: ${id}`);
  return template;
}

export { landingTemplate };
