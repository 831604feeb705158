import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderApiReference } from './api-reference.js';

describe('docs/api-reference.md', () => {
  it('is generated from the current schema (run `pnpm docs:api` after a schema change)', () => {
    const committed = readFileSync(new URL('../docs/api-reference.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderApiReference());
  });
});
