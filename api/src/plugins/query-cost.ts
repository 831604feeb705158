import {
  getArgumentValues,
  getNamedType,
  isLeafType,
  isObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  Kind,
  type GraphQLOutputType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type DocumentNode,
} from 'graphql';
import { MAX_SESSION_ATTACHMENTS, ValidationError, type EverJustError } from '@everjust/core';

/** Connections page 20 items when the client does not say `first`. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface CostResult {
  cost: number;
  /** The most bytes of file content the query can read (each `content` selected, times its list bounds). */
  contentBytes: number;
}

/** What bounds the lists and contents a query can hold: the file limits (config). */
export interface CostBounds {
  projectMaxFiles: number;
  fileMaxBytes: number;
}

/** The configuration's defaults (EVERJUST_PROJECT_MAX_FILES, EVERJUST_FILE_MAX_BYTES). */
export const DEFAULT_COST_BOUNDS: CostBounds = { projectMaxFiles: 500, fileMaxBytes: 1_048_576 };

/**
 * The most items a plain (unpaged) list can hold, by `Type.field`: a list returns all it holds, so it
 * is priced as if full. A list missing here counts as a full page (MAX_PAGE_SIZE): a new list is never
 * free by omission.
 */
function listBound(coordinate: string, bounds: CostBounds): number {
  switch (coordinate) {
    case 'Project.files':
    case 'Session.files':
      return bounds.projectMaxFiles;
    case 'Tenant.quotas':
      return 5; // projects, concurrentSessions, generationsPerDay, sandboxHoursPerMonth, storageBytes
    case 'Session.attachments':
      return MAX_SESSION_ATTACHMENTS;
    default:
      return MAX_PAGE_SIZE;
  }
}

/** Leaves whose size is not bounded by the cost in objects: their bytes count against a budget of their own. */
function leafBytes(coordinate: string, bounds: CostBounds): number {
  return coordinate === 'ProjectFile.content' ? bounds.fileMaxBytes : 0;
}

/**
 * The project's cost function: every object a query selects costs 1, a connection multiplies the
 * cost of what is under it by its page size (`first`, or `last`, else DEFAULT_PAGE_SIZE), and a plain
 * list by the most it can hold (`Project.files`: the per-project file limit). Leaves and
 * introspection are free; file `content` is also tallied in bytes (`contentBytes`), at the file size
 * limit each. Page sizes are validated here first, so `first: 1000` is BAD_USER_INPUT and not a cost
 * refusal (docs/architecture.md, "Promises and defaults": arguments are validated before the cost check).
 */
export function computeQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
  bounds: CostBounds = DEFAULT_COST_BOUNDS,
): CostResult | EverJustError {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) {
      if (!operationName || definition.name?.value === operationName) operation ??= definition;
    }
  }
  if (!operation) return { cost: 0, contentBytes: 0 };
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return { cost: 0, contentBytes: 0 };
  const walk: Walk = { schema, fragments, variables: variables ?? {}, bounds, contentBytes: 0 };
  try {
    const cost = selectionSetCost(walk, operation.selectionSet, root, 1);
    return { cost, contentBytes: walk.contentBytes };
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  bounds: CostBounds;
  contentBytes: number;
}

/** A list not wrapped by a connection (whose page size already counts its `edges`). */
function isPlainList(type: GraphQLOutputType, parentType: GraphQLCompositeType): boolean {
  const unwrapped = isNonNullType(type) ? type.ofType : type;
  return isListType(unwrapped) && !isConnection(parentType);
}

function selectionSetCost(walk: Walk, selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, multiplier: number): number {
  const { schema, fragments, variables, bounds } = walk;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue; // introspection and __typename are free
      if (!isObjectType(parentType) && !isInterfaceType(parentType)) continue;
      const field = parentType.getFields()[selection.name.value];
      if (!field) continue; // validation reports unknown fields
      const type = getNamedType(field.type);
      const coordinate = `${parentType.name}.${field.name}`;
      if (isLeafType(type) || !selection.selectionSet) {
        walk.contentBytes += multiplier * leafBytes(coordinate, bounds);
        continue;
      }
      let childMultiplier = multiplier;
      if (isConnection(type)) {
        const args = getArgumentValues(field, selection, variables);
        childMultiplier = multiplier * pageSize(args, coordinate);
      }
      if (isPlainList(field.type, parentType)) {
        // Priced as if full, one object per item (as a connection's edges are): it returns all it holds.
        childMultiplier = multiplier * listBound(coordinate, bounds);
        cost += childMultiplier;
      } else {
        cost += multiplier;
      }
      cost += selectionSetCost(walk, selection.selectionSet, type as GraphQLCompositeType, childMultiplier);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType) : parentType;
      if (type) cost += selectionSetCost(walk, selection.selectionSet, type, multiplier);
    } else {
      const fragment = fragments.get(selection.name.value);
      const type = fragment && (schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType);
      if (fragment && type) cost += selectionSetCost(walk, fragment.selectionSet, type, multiplier);
    }
  }
  return cost;
}

function isConnection(type: unknown): boolean {
  return isObjectType(type) && type.name.endsWith('Connection') && 'pageInfo' in type.getFields();
}

function pageSize(args: Record<string, unknown>, where: string): number {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
      throw new ValidationError(`${where}: \`${name}\` must be between 0 and ${MAX_PAGE_SIZE} (got ${String(value)})`, {
        argument: name,
        max: MAX_PAGE_SIZE,
      });
    }
    return value;
  }
  return DEFAULT_PAGE_SIZE;
}

