import {
  defaultFieldResolver,
  defaultTypeResolver,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  type GraphQLAbstractType,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { PermissionError, type ApiKeyScope } from '@everjust/core';
import { TYPE_SCOPES } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';

/**
 * The scope reading `type` needs (`TYPE_SCOPES`): its own entry, else that of an interface it
 * implements, else, for a connection or an edge, that of its nodes. `null`: none; `undefined`: the type
 * is not classified (a test keeps that list empty).
 */
export function requiredScopeOf(type: GraphQLNamedType): ApiKeyScope | null | undefined {
  if (type.name in TYPE_SCOPES) return TYPE_SCOPES[type.name];
  if (!isObjectType(type)) return undefined;
  for (const implemented of type.getInterfaces()) {
    const scope = requiredScopeOf(implemented);
    if (scope !== undefined) return scope;
  }
  const fields = type.getFields();
  // A Relay connection (`edges`, `pageInfo`) or edge (`node`, `cursor`) is read only by who may read its nodes.
  const nodes = fields.edges && fields.pageInfo ? fields.edges : fields.node && fields.cursor ? fields.node : undefined;
  return nodes ? requiredScopeOf(getNamedType(nodes.type)) : undefined;
}

/**
 * Scopes are a property of the type, not of the root field: every field that returns a scoped type
 * checks the caller's scopes before it resolves (a query or mutation field, a nested one such as
 * `Session.project` or `Tenant.quotas`, a subscription, and so before any side effect); a field
 * returning an abstract type with no scope of its own (`node(id:)`) checks the concrete type of what
 * it resolved to. One place for every path to an object; the root fields' own checks (what an
 * operation may do, e.g. `projects:write`) stay where they are. Returns the same schema, its
 * resolvers wrapped.
 */
export function enforceTypeScopes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type);
      if (!isObjectType(returned) && !isInterfaceType(returned)) continue;
      const scope = requiredScopeOf(returned);
      if (scope) {
        field.resolve = checkedBefore(field.resolve ?? defaultFieldResolver, scope, returned.name);
        if (field.subscribe) field.subscribe = checkedBefore(field.subscribe, scope, returned.name);
      } else if (scope === undefined && isAbstractType(returned)) {
        field.resolve = checkedAfter(field.resolve ?? defaultFieldResolver, returned, schema);
      }
    }
  }
  return schema;
}

function check(context: RequestContext, scope: ApiKeyScope, typeName: string): void {
  if (!context.caller.scopes.has(scope)) {
    throw new PermissionError(`This API key lacks the \`${scope}\` scope, needed to read ${typeName}`, { requiredScope: scope });
  }
}

function checkedBefore(resolver: GraphQLFieldResolver<unknown, RequestContext>, scope: ApiKeyScope, typeName: string): GraphQLFieldResolver<unknown, RequestContext> {
  return (source, args, context, info) => {
    check(context, scope, typeName);
    return resolver(source, args, context, info);
  };
}

/** For `node(id:)` and the like: the concrete type is known only once the object is loaded. */
function checkedAfter(resolver: GraphQLFieldResolver<unknown, RequestContext>, abstractType: GraphQLAbstractType, schema: GraphQLSchema): GraphQLFieldResolver<unknown, RequestContext> {
  const resolveType = abstractType.resolveType ?? defaultTypeResolver;
  return async (source, args, context, info) => {
    const result: unknown = await resolver(source, args, context, info);
    for (const value of Array.isArray(result) ? result.flat(Infinity) : [result]) {
      if (value == null || value instanceof Error) continue;
      const typeName = await resolveType(value, context, info, abstractType);
      const concrete = typeName ? schema.getType(typeName) : undefined;
      const scope = concrete ? requiredScopeOf(concrete) : undefined;
      if (scope) check(context, scope, concrete!.name);
    }
    return result;
  };
}
