import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { NotFoundError, Prisma, ValidationError, type PrismaClient, decodeId, encodeId } from '@everjust/core';
import type PrismaTypes from '@everjust/core/generated/pothos-types';
import { getDatamodel } from '@everjust/core/generated/pothos-types';
import type { RequestContext } from '../context.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Setup only: the builder and its plugins. Each domain lives in its own module beside this one. The
 * Prisma client is taken from the request context, so this module holds no database of its own.
 */
export const builder = new SchemaBuilder<{
  Context: RequestContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: JsonValue; Output: unknown };
    JSONObject: { Input: Record<string, JsonValue>; Output: Record<string, unknown> };
  };
}>({
  defaultFieldNullability: false,
  plugins: [PrismaPlugin, RelayPlugin, ValidationPlugin],
  prisma: {
    client: (context) => context.services.prisma as PrismaClient,
    dmmf: getDatamodel(),
    // Every query filters by tenant in its own resolver; nothing is exposed implicitly.
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    nodeQueryOptions: {
      // Not found, another tenant's, another mode's: all answer NOT_FOUND, never null and never the object.
      resolve: async (_root, { id }, _context, _info, resolveNode) => {
        const notFound = new NotFoundError(id.typename || 'Node', encodeId(id.typename, id.id));
        // Prisma nodes load with findUniqueOrThrow: its "no record" (P2025) is our NOT_FOUND.
        const node = await Promise.resolve(resolveNode(id)).catch((error: unknown) => {
          throw error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025' ? notFound : error;
        });
        if (!node) throw notFound;
        return node;
      },
    },
    encodeGlobalID: encodeId,
    decodeGlobalID: decodeId,
  },
  validation: {
    validationError: (result) =>
      new ValidationError(
        result.issues.map((issue) => `${issue.path?.map((part) => (typeof part === 'object' ? part.key : part)).join('.') || 'input'}: ${issue.message}`).join('; '),
        {
          issues: result.issues.map((issue) => ({
            path: issue.path?.map((part) => (typeof part === 'object' ? part.key : part)) ?? [],
            message: issue.message,
          })),
        },
      ),
  },
});
