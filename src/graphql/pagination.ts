// One way to turn a domain page (src/shared/paging.ts) into a Relay connection. The cursors are the
// domain's keyset cursors, so graphql-relay's offset cursors (connectionFromArray) do not fit; this
// is the part of it we need.
import type { Page } from '../shared/paging.js';

export interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Edges from a page's rows. `node` may return null for a row whose object vanished between the page
 * query and the lookup (a customer forgotten meanwhile): that edge is left out, the cursors stay valid.
 */
export function toConnection<T, N>(page: Page<T>, node: (row: T & { cursor: string }, index: number) => N | null): Connection<N> {
  const edges = page.rows.flatMap((row, i) => {
    const n = node(row, i);
    return n === null ? [] : [{ cursor: row.cursor, node: n }];
  });
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null } };
}
