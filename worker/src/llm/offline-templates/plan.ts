/**
 * Reads what to build from the prompts of a conversation: which template, the title, the accent colour
 * and the theme. Plain keyword rules, so the same prompts always give the same plan.
 */
import { truncate } from './layout.js';
import { appTemplates, landingTemplate, specificTemplates } from './templates.js';
import type { AccentColour, AppPlan, AppTemplate } from './types.js';

const titleLength = 60;

/** A keyword as a whole-word pattern: a space matches any run of spaces or dashes, a dash an optional one. */
function keywordPattern(keyword: string): RegExp {
  const source = keyword
    .split(/([ -])/)
    .map((part) => (part === ' ' ? '[\\s-]+' : part === '-' ? '[\\s-]?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`\\b${source}\\b`, 'i');
}

const keywordPatterns = new Map(appTemplates.map((template) => [template.id, template.keywords.map(keywordPattern)]));

/** Where the first keyword of `template` occurs in `prompt`, or -1. */
function firstKeywordIndex(template: AppTemplate, prompt: string): number {
  let earliest = -1;
  for (const pattern of keywordPatterns.get(template.id) ?? []) {
    const match = pattern.exec(prompt);
    if (match && (earliest === -1 || match.index < earliest)) earliest = match.index;
  }
  return earliest;
}

/**
 * The template a prompt names, or undefined when it names none. A specific app wins over the landing
 * page ("a page with a counter" is a counter); among specific apps the one mentioned first wins
 * ("a notes app with a word counter" is a notes app).
 */
export function chooseTemplate(prompt: string): AppTemplate | undefined {
  let chosen: AppTemplate | undefined;
  let chosenIndex = -1;
  for (const template of specificTemplates) {
    const index = firstKeywordIndex(template, prompt);
    if (index !== -1 && (chosenIndex === -1 || index < chosenIndex)) {
      chosen = template;
      chosenIndex = index;
    }
  }
  if (chosen) return chosen;
  return firstKeywordIndex(landingTemplate, prompt) === -1 ? undefined : landingTemplate;
}

/** The words that introduce a name the user chose: `called X`, `call it X`, `rename it to X`, `title: X`, … */
const titleIntroductions: RegExp[] = [
  /\b(?:called|named|titled|entitled)\s+/i,
  /\bcall\s+(?:it|this|the\s+app|the\s+page)\s+/i,
  /\b(?:re)?name\s+(?:it\s+)?(?:to|as)\s+/i,
  /\b(?:re)?name\s+it\s+/i,
  /\b(?:title|heading)\s+(?:it\s+)?(?:to|is|as|should\s+be)\s+/i,
  /\btitle\s+it\s+/i,
  /\b(?:title|heading)\s*[:=]\s*/i,
];

const closingQuotes: Record<string, string> = { '"': '"', '“': '”', "'": "'", '‘': '’', '«': '»', '`': '`' };

/** Words that end an unquoted name: "called Groceries and make it blue" → "Groceries". */
const wordsAfterAName = new Set(['and', 'with', 'that', 'which', 'where', 'for', 'in', 'on', 'using', 'to', 'but', 'so', 'please', 'then']);

function readName(text: string): string {
  const rest = text.trimStart();
  const closing = closingQuotes[rest[0]];
  if (closing) {
    const end = rest.indexOf(closing, 1);
    if (end > 1) return rest.slice(1, end).trim();
  }
  const words: string[] = [];
  for (const word of rest.split(/\s+/)) {
    const clean = word.replace(/^["“'‘«`]+|["”'’»`.,;:!?)]+$/g, '');
    if (clean === '' || wordsAfterAName.has(clean.toLowerCase())) break;
    words.push(clean);
    // Punctuation after a word, or six words, ends the name.
    if (clean.length < word.replace(/^["“'‘«`]+/, '').length || words.length === 6) break;
  }
  return words.join(' ');
}

/** A name the user gave the app in this prompt, if any. */
export function explicitTitle(prompt: string): string | undefined {
  let earliest: RegExpExecArray | undefined;
  for (const pattern of titleIntroductions) {
    const match = pattern.exec(prompt);
    if (match && (!earliest || match.index < earliest.index)) earliest = match;
  }
  if (!earliest) return undefined;
  const name = truncate(readName(prompt.slice(earliest.index + earliest[0].length)), titleLength);
  return name === '' ? undefined : name;
}

/** Requests and filler at the start of a prompt that make a poor heading: "Please build me a simple …". */
const leadingFiller =
  /^(?:please|hey|hi|hello|ok|okay|so|now|then|also|just|instead|can you|could you|would you|will you|i want(?: you)?(?: to)?|i'?d like(?: you)?(?: to)?|i would like(?: you)?(?: to)?|i need|let'?s|build|make|create|generate|write|code|design|develop|give me|show me|turn (?:it|this) into|change (?:it|this) (?:in)?to|convert (?:it|this) (?:in)?to|it|me|us|a|an|the|simple|small|little|basic|quick|tiny|new|nice)\b[\s,:-]*/i;

/** A heading made from the first sentence of a prompt: "Build me a todo app for groceries, …" → "Todo app for groceries". */
export function titleFromPrompt(prompt: string): string | undefined {
  let title = prompt.trim().split(/(?<=[.!?])\s+|\n/)[0] ?? '';
  // The main clause makes the heading; what follows a comma, "with …" or markup describes features.
  title = title.split(/[,;:(<>—–]|\s(?:where|that|which|so that|to let|using|with)\s/i)[0];
  for (let previous = ''; previous !== title; ) {
    previous = title;
    title = title.replace(leadingFiller, '');
  }
  title = title.replace(/\s+(?:please|for me|thanks)\W*$/i, '').replace(/[\s.!?]+$/, '').replace(/\s+/g, ' ');
  if (title === '') return undefined;
  if (Array.from(title).length > titleLength) {
    const cut = Array.from(title).slice(0, titleLength).join('');
    title = `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1))}…`;
  }
  return title[0].toLocaleUpperCase('en') + title.slice(1);
}

const accentColours: Record<string, AccentColour> = {
  indigo: { name: 'indigo', value: '#4338ca', contrast: '#ffffff' },
  blue: { name: 'blue', value: '#1d4ed8', contrast: '#ffffff' },
  red: { name: 'red', value: '#b91c1c', contrast: '#ffffff' },
  orange: { name: 'orange', value: '#c2410c', contrast: '#ffffff' },
  yellow: { name: 'yellow', value: '#facc15', contrast: '#1f2937' },
  green: { name: 'green', value: '#15803d', contrast: '#ffffff' },
  teal: { name: 'teal', value: '#0f766e', contrast: '#ffffff' },
  purple: { name: 'purple', value: '#6d28d9', contrast: '#ffffff' },
  pink: { name: 'pink', value: '#be185d', contrast: '#ffffff' },
  gray: { name: 'gray', value: '#4b5563', contrast: '#ffffff' },
  black: { name: 'black', value: '#111827', contrast: '#ffffff' },
};

export const defaultAccent = accentColours.indigo;

/** Colour words and the accent each picks. */
const colourWords: Record<string, string> = {
  indigo: 'indigo', blue: 'blue', navy: 'blue', red: 'red', crimson: 'red', orange: 'orange',
  yellow: 'yellow', gold: 'yellow', golden: 'yellow', amber: 'yellow', green: 'green', emerald: 'green',
  teal: 'teal', cyan: 'teal', turquoise: 'teal', purple: 'purple', violet: 'purple', lilac: 'purple',
  pink: 'pink', magenta: 'pink', gray: 'gray', grey: 'gray', black: 'black',
};

const colourPattern = new RegExp(`\\b(${Object.keys(colourWords).join('|')})\\b`, 'i');
const darkThemePattern = new RegExp(`\\bdark\\b(?![\\s-]+(?:${Object.keys(colourWords).join('|')})\\b)|\\bnight[\\s-]+mode\\b`, 'i');
const lightThemePattern = /\blight[\s-]+(?:mode|theme|background|colou?rs?)\b|\bwhite\s+background\b/i;

/** The accent of the latest prompt that names a colour (its first colour word). */
function chooseAccent(prompts: string[]): AccentColour {
  for (const prompt of [...prompts].reverse()) {
    const match = colourPattern.exec(prompt);
    if (match) return accentColours[colourWords[match[1].toLowerCase()]];
  }
  return defaultAccent;
}

/** The theme of the latest prompt that asks for one. */
function chooseTheme(prompts: string[]): 'light' | 'dark' {
  for (const prompt of [...prompts].reverse()) {
    const dark = darkThemePattern.exec(prompt);
    const light = lightThemePattern.exec(prompt);
    if (dark && (!light || dark.index < light.index)) return 'dark';
    if (light) return 'light';
  }
  return 'light';
}

/**
 * The app a conversation asks for. The latest prompt that names a kind of app decides the template and
 * is the app's subject; later prompts (such as "make it blue") change the accent, the theme or the name.
 */
export function planApp(taggedPrompts: string[]): AppPlan {
  // The test hook is not part of what to build (nor of the app's title); only the latest prompt's counts,
  // so a follow-up without it (a repair) makes the app whole again.
  const broken = BROKEN_TAG_PATTERN.test(taggedPrompts.at(-1) ?? '');
  const prompts = taggedPrompts.map((prompt) => prompt.replace(BROKEN_TAG_PATTERN_ALL, ' ').replace(/\s+$/, ''));
  let subjectIndex = 0;
  let template: AppTemplate = landingTemplate;
  for (let index = prompts.length - 1; index >= 0; index -= 1) {
    const named = chooseTemplate(prompts[index]);
    if (named) {
      subjectIndex = index;
      template = named;
      break;
    }
  }
  const subjectPrompt = prompts[subjectIndex] ?? '';

  let title: string | undefined;
  for (let index = prompts.length - 1; index >= subjectIndex && title === undefined; index -= 1) {
    title = explicitTitle(prompts[index]);
  }
  title ??= titleFromPrompt(subjectPrompt) ?? template.defaultTitle;

  return {
    templateId: template.id,
    title,
    subjectPrompt,
    prompts: [...prompts],
    accent: chooseAccent(prompts),
    theme: chooseTheme(prompts),
    broken,
  };
}

/**
 * The test hook that makes the offline generator write an app that throws at load (demos and tests of
 * the preview check, which must then find the error).
 */
export const BROKEN_TAG = '#broken';
const BROKEN_TAG_PATTERN = /(^|\s)#broken\b/i;
const BROKEN_TAG_PATTERN_ALL = /(^|\s)#broken\b/gi;
