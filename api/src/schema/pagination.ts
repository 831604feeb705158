import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { resolveCursorConnection, type ResolveCursorConnectionArgs, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { ValidationError, decodeIdOf, encodeId } from '@everjust/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../plugins/query-cost.js';

export interface IdPage {
  /** Prisma `where` on the id column for this page. */
  idFilter: { lt?: string; gt?: string };
  take: number;
  orderBy: { id: 'asc' | 'desc' };
}

/**
 * Newest-first pagination on time-ordered (UUIDv7) ids: the cursor is the item's global id, so it is
 * stable, opaque to clients, and an unknown or malformed cursor is BAD_USER_INPUT.
 */
export function paginateById<T extends { id: string }>(
  typename: string,
  args: DefaultConnectionArguments,
  fetchPage: (page: IdPage) => Promise<T[]>,
) {
  const cursorId = (cursor: string | null | undefined, argument: string) => {
    if (cursor === null || cursor === undefined) return undefined;
    let id: string | null = null;
    try {
      id = decodeIdOf(typename, cursor);
    } catch {
      id = null;
    }
    if (!id) throw new ValidationError(`\`${argument}\` is not a cursor of this list`, { argument });
    return id;
  };
  const after = cursorId(args.after, 'after');
  const before = cursorId(args.before, 'before');
  return resolveCursorConnection(
    {
      args: { ...args, after: after && encodeId(typename, after), before: before && encodeId(typename, before) },
      toCursor: (item: T) => encodeId(typename, item.id),
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
    },
    ({ limit, inverted }: ResolveCursorConnectionArgs) =>
      fetchPage({
        // Newest first: "after" walks towards smaller ids; "before" (inverted) towards larger ones.
        idFilter: { ...(after ? { lt: after } : {}), ...(before ? { gt: before } : {}) },
        take: limit,
        orderBy: { id: inverted ? 'asc' : 'desc' },
      }),
  );
}

/**
 * The names of the fields a connection field's selection asks of its nodes (`edges { node { … } }`,
 * through fragments), or undefined when it asks for nodes some other way. For resolvers that read only
 * the columns a page needs.
 */
export function selectedNodeFields(info: GraphQLResolveInfo): Set<string> | undefined {
  const names = new Set<string>();
  let ok = true;
  const fieldsOf = (selectionSet: SelectionSetNode | undefined, visit: (name: string, selectionSet: SelectionSetNode | undefined) => void) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) visit(selection.name.value, selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) fieldsOf(selection.selectionSet, visit);
      else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) fieldsOf(fragment.selectionSet, visit);
        else ok = false;
      }
    }
  };
  for (const fieldNode of info.fieldNodes) {
    fieldsOf(fieldNode.selectionSet, (name, edges) => {
      if (name !== 'edges') return; // pageInfo, __typename: not the nodes
      fieldsOf(edges, (edgeField, node) => {
        if (edgeField === 'node') fieldsOf(node, (field) => names.add(field));
      });
    });
  }
  return ok ? names : undefined;
}
