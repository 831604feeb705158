import { randomUUID } from 'node:crypto';
import { EverJustError, HTTP_STATUS_BY_CODE, type Logger } from '@everjust/core';
import { createGraphQLError } from 'graphql-yoga';
import { GraphQLError } from 'graphql';

/**
 * The one place that turns errors into what clients see. Domain errors keep their code and details;
 * GraphQL's own parse and validation errors pass through; anything else is INTERNAL, masked, and
 * logged with an error id the client can quote.
 */
export function toGraphQLError(error: EverJustError, path?: readonly (string | number)[]): GraphQLError {
  const status = HTTP_STATUS_BY_CODE[error.code] ?? 200;
  const headers = error.code === 'RATE_LIMITED' ? { 'Retry-After': String(error.details.retryAfter) } : undefined;
  // `http` tells Yoga the response status (it is not sent to the client); without it, an error that
  // stops execution would answer 500.
  return createGraphQLError(error.message, {
    path,
    extensions: { code: error.code, ...error.details, http: { status, ...(headers ? { headers } : {}) } },
  });
}

export function createErrorMasker(logger: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const path = error instanceof GraphQLError ? error.path : undefined;
    if (original instanceof EverJustError) return toGraphQLError(original, path);
    if (original instanceof GraphQLError) return original;
    if (error instanceof GraphQLError && !error.originalError) {
      // Parse and validation errors: the client's mistake, reported as GraphQL reports it.
      return error.extensions.code ? error : new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
    const errorId = randomUUID();
    logger.error({ err: original, errorId, path }, 'unexpected error');
    return createGraphQLError('Internal server error', {
      path,
      extensions: { code: 'INTERNAL', errorId },
    });
  };
}
