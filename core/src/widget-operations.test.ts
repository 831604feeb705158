import { createHash } from 'node:crypto';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { WIDGET_DOCUMENTS, WIDGET_OPERATION_IDS } from './widget-operations.js';

describe('the widget operations', () => {
  it('name each document by the SHA-256 of its text', () => {
    const computed = Object.fromEntries(Object.entries(WIDGET_DOCUMENTS).map(([name, document]) => [name, createHash('sha256').update(document).digest('hex')]));
    // On failure, the expected object is what WIDGET_OPERATION_IDS should say.
    expect(WIDGET_OPERATION_IDS).toEqual(computed);
  });

  it('are single, named, parseable operations', () => {
    for (const document of Object.values(WIDGET_DOCUMENTS)) {
      const definitions = parse(document).definitions;
      expect(definitions).toHaveLength(1);
      expect(definitions[0]).toMatchObject({ kind: 'OperationDefinition', name: { value: expect.stringMatching(/^Widget/) } });
    }
  });
});
