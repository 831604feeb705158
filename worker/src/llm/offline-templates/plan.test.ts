import { describe, expect, it } from 'vitest';
import { chooseTemplate, explicitTitle, planApp, titleFromPrompt } from './plan.js';

describe('chooseTemplate', () => {
  it.each([
    ['Build a todo app', 'todo'],
    ['a TO DO list', 'todo'],
    ['my to-dos', 'todo'],
    ['a grocery list', 'todo'],
    ['a click counter', 'counter'],
    ['a countdown to new year', 'timer'],
    ['a stopwatch with laps', 'timer'],
    ['a pomodoro app', 'timer'],
    ['a simple calculator', 'calculator'],
    ['note-taking app', 'notes'],
    ['my journal', 'notes'],
    ['a notes app with a word counter', 'notes'],
    ['a page with a counter', 'counter'],
    ['a portfolio website', 'landing'],
  ])('%s → %s', (prompt, templateId) => {
    expect(chooseTemplate(prompt)?.id).toBe(templateId);
  });

  it('names no template for a prompt without keywords', () => {
    expect(chooseTemplate('Something nice for my bakery')).toBeUndefined();
    expect(chooseTemplate('Note: make it blue')).toBeUndefined();
  });
});

describe('titles', () => {
  it.each([
    ['A todo list called Groceries and make it blue', 'Groceries'],
    ['a counter named "Push-ups, daily"', 'Push-ups, daily'],
    ['call it Errands', 'Errands'],
    ['rename it to Big Sums.', 'Big Sums'],
    ['change the title to Hello world', 'Hello world'],
    ['heading: Welcome home', 'Welcome home'],
  ])('%s → %s', (prompt, title) => {
    expect(explicitTitle(prompt)).toBe(title);
  });

  it('finds no name where none is given', () => {
    expect(explicitTitle('a form with name and email')).toBeUndefined();
    expect(explicitTitle('a page with a title')).toBeUndefined();
  });

  it.each([
    ['Please build me a simple todo app for groceries, with a dark theme', 'Todo app for groceries'],
    ['make it a calculator', 'Calculator'],
    ['Can you create a landing page for my bakery? It sells bread.', 'Landing page for my bakery'],
    ['A website for my bakery </script><script>alert(1)</script>', 'Website for my bakery'],
    ['a', undefined],
  ])('derives %s → %s', (prompt, title) => {
    expect(titleFromPrompt(prompt)).toBe(title);
  });

  it('keeps long headings short, cut between words', () => {
    const title = titleFromPrompt(`A page about ${'very '.repeat(30)}long things`) ?? '';
    expect(Array.from(title).length).toBeLessThanOrEqual(60);
    expect(title).toMatch(/very…$/);
  });
});

describe('planApp', () => {
  it('keeps the template and subject through follow-ups that name none, and applies their colour, theme and name', () => {
    const plan = planApp(['A todo list for the house', 'make it pink', 'dark mode', 'call it Chores']);
    expect(plan).toMatchObject({ templateId: 'todo', title: 'Chores', subjectPrompt: 'A todo list for the house', theme: 'dark' });
    expect(plan.accent.name).toBe('pink');
  });

  it('lets a later prompt change the template, and with it the subject and the heading', () => {
    const plan = planApp(['A todo list called Chores', 'turn it into a stopwatch']);
    expect(plan).toMatchObject({ templateId: 'timer', title: 'Stopwatch', subjectPrompt: 'turn it into a stopwatch' });
  });

  it('falls back to a landing page about the first prompt', () => {
    const plan = planApp(['Fresh bread for Lisbon', 'in dark blue']);
    expect(plan).toMatchObject({ templateId: 'landing', title: 'Fresh bread for Lisbon', theme: 'light' });
    expect(plan.accent.name).toBe('blue');
  });

  it('has sensible defaults for an empty conversation', () => {
    expect(planApp([])).toMatchObject({ templateId: 'landing', title: 'Welcome', subjectPrompt: '', theme: 'light', prompts: [] });
  });
});
