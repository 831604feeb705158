import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '@everjust/core';
import { README_PATH, renderReadme } from './config-reference.js';

describe("README.md's configuration table", () => {
  it('lists every variable core/src/config.ts reads, with its default and meaning (run `pnpm docs:config` after a change)', () => {
    const committed = readFileSync(README_PATH, 'utf8');
    expect(committed).toBe(renderReadme(committed));
    for (const name of CONFIG_VARIABLES) expect(committed).toContain(`| \`${name}\` |`);
  });
});
