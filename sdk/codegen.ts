import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `pnpm --filter @everjust/sdk generate`: typed documents from `schema.graphql` (printed from the API
 * by `scripts/print-schema.ts`) and the operations in `src/documents/`. The output is committed and
 * never edited by hand.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: 'src/documents/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // Strings, not ASTs: the SDK sends the query text as is, so it needs no `graphql` at run time.
        documentMode: 'string',
        // Types only: enums as string unions and type-only imports, so nothing here costs bytes at run time
        // but the documents themselves.
        enumsAsTypes: true,
        useTypeImports: true,
        onlyOperationTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        skipTypename: false,
        nonOptionalTypename: false,
        scalars: {
          DateTime: { input: 'string | Date', output: 'string' },
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
