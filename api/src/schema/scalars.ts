import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder, type JsonValue } from './builder.js';

function literalToJson(node: ValueNode, variables: Record<string, unknown> | null | undefined): JsonValue {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((value) => literalToJson(value, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalToJson(field.value, variables)]));
    case Kind.VARIABLE:
      return (variables?.[node.name.value] ?? null) as JsonValue;
    default:
      throw new GraphQLError(`Unexpected literal ${node.kind}`);
  }
}

function asObject(value: unknown): Record<string, JsonValue> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GraphQLError('Expected a JSON object', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return value as Record<string, JsonValue>;
}

builder.scalarType('DateTime', {
  description: 'An ISO-8601 timestamp in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('Expected an ISO-8601 timestamp', { extensions: { code: 'BAD_USER_INPUT' } });
    return date;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value as JsonValue,
  parseLiteral: (node, variables) => literalToJson(node, variables),
});

builder.scalarType('JSONObject', {
  description: 'A JSON object (not an array, string or null).',
  serialize: (value) => value as Record<string, unknown>,
  parseValue: (value) => asObject(value),
  parseLiteral: (node, variables) => asObject(literalToJson(node, variables)),
});
