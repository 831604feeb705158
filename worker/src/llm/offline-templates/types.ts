/** The shapes shared by the offline generator's templates. */

export type TemplateId = 'todo' | 'counter' | 'timer' | 'calculator' | 'notes' | 'landing';

/** An accent colour with a text colour that stays readable on top of it. */
export interface AccentColour {
  name: string;
  value: string;
  contrast: string;
}

/** What the generator decided to build, from the whole conversation. */
export interface AppPlan {
  templateId: TemplateId;
  /** The page title and heading (plain text; templates escape it). */
  title: string;
  /** The prompt the app is about: the latest one that named a kind of app, else the first. */
  subjectPrompt: string;
  /** Every prompt of the conversation, oldest first. */
  prompts: string[];
  accent: AccentColour;
  theme: 'light' | 'dark';
  /** The latest prompt says `#broken` (a test hook): its app.js throws at load, so a preview check has an error to find. */
  broken: boolean;
}

/** One kind of app the offline generator can write. */
export interface AppTemplate {
  id: TemplateId;
  /** How the explanation names it, e.g. "a todo list". */
  label: string;
  /** The heading when the prompt gives nothing better. */
  defaultTitle: string;
  /** Whole words or phrases that choose this template (case-insensitive; a hyphen also matches a space or nothing). */
  keywords: string[];
  /** One sentence for the explanation: what the app does. */
  features: string;
  /** HTML inside `<main>`, after the heading. */
  body(plan: AppPlan): string;
  /** CSS appended to the shared styles. */
  styles(plan: AppPlan): string;
  /** The whole of `app.js`. */
  script(plan: AppPlan): string;
}

export interface GeneratedFile {
  path: string;
  content: string;
}
