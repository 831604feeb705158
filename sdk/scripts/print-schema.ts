import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from '@everjust/api';

/**
 * Writes the API's schema as SDL to `sdk/schema.graphql`, the input of `graphql-codegen`
 * (`pnpm --filter @everjust/sdk generate`). A test compares the committed file with the live schema,
 * so a schema change that is not regenerated fails CI.
 */
export const SCHEMA_PATH = fileURLToPath(new URL('../schema.graphql', import.meta.url));

export function printApiSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, printApiSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
