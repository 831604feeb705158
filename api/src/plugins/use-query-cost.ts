import type { Plugin } from 'graphql-yoga';
import { QueryTooComplexError } from '@everjust/core';
import { toGraphQLError } from '../errors.js';
import { computeQueryCost } from './query-cost.js';

export interface QueryCostOptions {
  /** Largest cost one operation may have (default 1,000). */
  maxCost: number;
}

/**
 * Prices each operation with the project's cost function once its variables are known, and refuses
 * it before any resolver runs: a bad page size is BAD_USER_INPUT, a cost over `maxCost` is
 * QUERY_TOO_COMPLEX. The cost is left in the context (`queryCost`) for the rate limits.
 */
export function useQueryCost(options: QueryCostOptions): Plugin<{ queryCost?: number }> {
  type Hook = Parameters<NonNullable<Plugin['onExecute']>>[0] | Parameters<NonNullable<Plugin['onSubscribe']>>[0];
  const check = ({ args, setResultAndStopExecution }: Hook) => {
    const result = computeQueryCost(args.schema, args.document, args.variableValues ?? undefined, args.operationName);
    if (!('cost' in result)) {
      setResultAndStopExecution({ errors: [toGraphQLError(result)] });
      return;
    }
    (args.contextValue as { queryCost?: number }).queryCost = result.cost;
    if (result.cost > options.maxCost) {
      const error = new QueryTooComplexError(`Query cost ${result.cost} is over the limit of ${options.maxCost}; ask for smaller pages or fewer fields`, {
        cost: result.cost,
        maxCost: options.maxCost,
      });
      setResultAndStopExecution({ errors: [toGraphQLError(error)] });
    }
  };
  return { onExecute: check, onSubscribe: check };
}
