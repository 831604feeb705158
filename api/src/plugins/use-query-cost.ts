import type { Plugin } from 'graphql-yoga';
import { QueryTooComplexError } from '@everjust/core';
import type { RequestContext } from '../context.js';
import { toGraphQLError } from '../errors.js';
import { computeQueryCost, DEFAULT_COST_BOUNDS, type CostBounds } from './query-cost.js';

export interface QueryCostOptions {
  /** Largest cost one operation may have (default 1,000). */
  maxCost: number;
  /** The file limits that bound plain lists and contents; else the request's config (`services.config.limits`), else the defaults. */
  bounds?: CostBounds;
}

/**
 * Prices each operation with the project's cost function once its variables are known, and refuses
 * it before any resolver runs: a bad page size is BAD_USER_INPUT, a cost over `maxCost` is
 * QUERY_TOO_COMPLEX, and so is a query that could read more file content than one whole project
 * holds (`projectMaxFiles` × `fileMaxBytes`), whatever `maxCost` allows. The cost is left in the
 * context (`queryCost`) for the rate limits.
 */
export function useQueryCost(options: QueryCostOptions): Plugin<{ queryCost?: number }> {
  type Hook = Parameters<NonNullable<Plugin['onExecute']>>[0] | Parameters<NonNullable<Plugin['onSubscribe']>>[0];
  const check = ({ args, setResultAndStopExecution }: Hook) => {
    const limits = (args.contextValue as Partial<RequestContext>).services?.config.limits;
    const bounds = options.bounds ?? (limits ? { projectMaxFiles: limits.projectMaxFiles, fileMaxBytes: limits.fileMaxBytes } : DEFAULT_COST_BOUNDS);
    const result = computeQueryCost(args.schema, args.document, args.variableValues ?? undefined, args.operationName, bounds);
    if (!('cost' in result)) {
      setResultAndStopExecution({ errors: [toGraphQLError(result)] });
      return;
    }
    (args.contextValue as { queryCost?: number }).queryCost = result.cost;
    const maxContentBytes = bounds.projectMaxFiles * bounds.fileMaxBytes;
    if (result.cost > options.maxCost) {
      const error = new QueryTooComplexError(`Query cost ${result.cost} is over the limit of ${options.maxCost}; ask for smaller pages or fewer fields`, {
        cost: result.cost,
        maxCost: options.maxCost,
      });
      setResultAndStopExecution({ errors: [toGraphQLError(error)] });
    } else if (result.contentBytes > maxContentBytes) {
      const error = new QueryTooComplexError(
        `This query can read up to ${result.contentBytes} bytes of file content, over the limit of ${maxContentBytes} (one project's files); read the contents of fewer lists at a time`,
        { contentBytes: result.contentBytes, maxContentBytes },
      );
      setResultAndStopExecution({ errors: [toGraphQLError(error)] });
    }
  };
  return { onExecute: check, onSubscribe: check };
}
