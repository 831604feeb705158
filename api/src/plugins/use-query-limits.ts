import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface QueryLimitsOptions {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
}

/** Armor reports its refusals as bare "Syntax Error"s; ours carry a code a client can act on. */
function rejectAsTooComplex(_context: unknown, error: GraphQLError): never {
  throw new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

/**
 * Shape limits from GraphQL Armor (tokens while parsing; depth, aliases and directives while
 * validating): a document past any of them is QUERY_TOO_COMPLEX before any resolver runs.
 */
export function useQueryLimits(options: QueryLimitsOptions): Plugin[] {
  const common = { exposeLimits: true, propagateOnRejection: false, onReject: [rejectAsTooComplex] };
  return [
    maxTokensPlugin({ n: options.maxTokens, ...common }),
    maxDepthPlugin({ n: options.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...common }),
    maxAliasesPlugin({ n: options.maxAliases, ...common }),
    maxDirectivesPlugin({ n: options.maxDirectives, ...common }),
  ] as Plugin[];
}
