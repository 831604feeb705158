import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { ValidationError } from '@everjust/core';

/**
 * PostgreSQL cannot store a NUL character (`\u0000`) in `text` or `jsonb`, nor compare with one: a
 * name, a file, a prompt, metadata or a filter holding one failed deep in a query as INTERNAL. GraphQL
 * offers no hook on the built-in String scalar (and Pothos hands out graphql-js's own), so this checks
 * the coerced arguments of every field that takes any, before its resolver (or subscription) runs:
 * one place for every input, literal or variable, HTTP, WebSocket and widget alike. Returns the same
 * schema, its resolvers wrapped.
 */
export function refuseNulBytes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      if (field.resolve) field.resolve = checked(field.resolve);
      if (field.subscribe) field.subscribe = checked(field.subscribe);
    }
  }
  return schema;
}

function checked<Source, Context>(resolver: GraphQLFieldResolver<Source, Context>): GraphQLFieldResolver<Source, Context> {
  return (source, args, context, info) => {
    const where = nulByteIn(args, []);
    if (where) {
      throw new ValidationError(`${where.join('.')}: contains a NUL character (\\u0000), which cannot be stored or searched for`, { path: where });
    }
    return resolver(source, args, context, info);
  };
}

/** The path of the first string (or object key) holding a NUL, or null. */
function nulByteIn(value: unknown, path: Array<string | number>): Array<string | number> | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || value instanceof Date) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = nulByteIn(value[index], [...path, index]);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulByteIn(item, [...path, key]);
    if (found) return found;
  }
  return null;
}
