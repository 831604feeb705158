import {
  getArgumentValues,
  getNamedType,
  isLeafType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type DocumentNode,
} from 'graphql';
import { ValidationError, type EverJustError } from '@everjust/core';

/** Connections page 20 items when the client does not say `first`. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface CostResult {
  cost: number;
}

/**
 * The project's cost function: every object a query selects costs 1, and a connection multiplies the
 * cost of what is under it by its page size (`first`, or `last`, else DEFAULT_PAGE_SIZE). Leaves and
 * introspection are free. Page sizes are validated here first, so `first: 1000` is BAD_USER_INPUT and
 * not a cost refusal (docs/architecture.md, "Promises and defaults": arguments are validated before the cost check).
 */
export function computeQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): CostResult | EverJustError {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) {
      if (!operationName || definition.name?.value === operationName) operation ??= definition;
    }
  }
  if (!operation) return { cost: 0 };
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return { cost: 0 };
  try {
    return { cost: selectionSetCost(schema, operation.selectionSet, root, 1, fragments, variables ?? {}) };
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

function selectionSetCost(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parentType: GraphQLCompositeType,
  multiplier: number,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue; // introspection and __typename are free
      if (!isObjectType(parentType) && !isInterfaceType(parentType)) continue;
      const field = parentType.getFields()[selection.name.value];
      if (!field) continue; // validation reports unknown fields
      const type = getNamedType(field.type);
      if (isLeafType(type) || !selection.selectionSet) continue;
      let childMultiplier = multiplier;
      if (isConnection(type)) {
        const args = getArgumentValues(field, selection, variables);
        childMultiplier = multiplier * pageSize(args, `${parentType.name}.${field.name}`);
      }
      cost += multiplier;
      cost += selectionSetCost(schema, selection.selectionSet, type as GraphQLCompositeType, childMultiplier, fragments, variables);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType) : parentType;
      if (type) cost += selectionSetCost(schema, selection.selectionSet, type, multiplier, fragments, variables);
    } else {
      const fragment = fragments.get(selection.name.value);
      const type = fragment && (schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType);
      if (fragment && type) cost += selectionSetCost(schema, fragment.selectionSet, type, multiplier, fragments, variables);
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

