// Keyset paging (src/shared/paging.ts) and its Relay form (src/graphql/pagination.ts), without a
// database: a list ordered by a value with many ties, paged through with the cursors the helpers give
// out, yields every row once and in order; cursors of another list or of nobody are refused on `after`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toConnection } from '../../src/graphql/pagination.js';
import { InputError } from '../../src/errors/domain-errors.js';
import { decodeCursor, encodeCursor, pageSize, toPage, type CursorKey, type Page } from '../../src/shared/paging.js';

interface Row {
  id: number;
  score: number;
}
// 97 rows, scores from a small set (ties everywhere), in no particular order.
const rows: Row[] = Array.from({ length: 97 }, (_, i) => ({ id: (i * 37) % 97, score: (i * 7) % 5 }));
const byScoreThenId = (a: Row, b: Row) => b.score - a.score || a.id - b.id;

/** What a keyset query does: rows after the cursor in (score desc, id asc), first + 1 of them. */
function fetchAfter(after: CursorKey | null, first: number): Row[] {
  const sorted = [...rows].sort(byScoreThenId);
  const rest = after ? sorted.filter((r) => r.score < after[1] || (r.score === after[1] && r.id > after[2])) : sorted;
  return rest.slice(0, first + 1);
}

test('paging through a list with ties yields every row once, in order, and says when it ends', () => {
  for (const first of [1, 5, 10, 96, 97, 500]) {
    const seen: Row[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      assert.ok(pages <= rows.length, 'terminates');
      const page: Page<Row> = toPage(fetchAfter(after === null ? null : decodeCursor(after, 'score'), first), first, (r): CursorKey => [
        'score',
        r.score,
        r.id,
      ]);
      seen.push(...page.rows.map(({ id, score }) => ({ id, score })));
      if (!page.hasNextPage) break;
      assert.equal(page.rows.length, first, 'a page with more after it is full');
      after = page.rows.at(-1)!.cursor;
    }
    assert.deepEqual(seen, [...rows].sort(byScoreThenId), `page size ${first}`);
  }
});

test('a cursor of another ordering, or one this API never gave out, is BAD_USER_INPUT on `after`', () => {
  const cursor = encodeCursor(['score', 3, 12]);
  assert.deepEqual(decodeCursor(cursor, 'score'), ['score', 3, 12]);
  for (const [bad, scope] of [
    [cursor, 'distance'],
    ['not a cursor', undefined],
    [Buffer.from('{"a":1}').toString('base64url'), undefined],
    [Buffer.from('["score","3",12]').toString('base64url'), undefined],
  ] as const) {
    assert.throws(
      () => decodeCursor(bad, scope),
      (e: unknown) => e instanceof InputError && e.issues[0]?.field === 'after',
      bad,
    );
  }
});

test('page sizes out of range are refused on `first`', () => {
  assert.equal(pageSize(0), 0);
  assert.equal(pageSize(500), 500);
  for (const bad of [-1, 501, 2.5, Number.NaN]) {
    assert.throws(
      () => pageSize(bad),
      (e: unknown) => e instanceof InputError && e.issues[0]?.field === 'first',
    );
  }
  assert.throws(() => pageSize(0, 100, 1), InputError);
});

test('a connection leaves out rows whose object vanished, and keeps the page’s cursors', () => {
  const page = toPage(fetchAfter(null, 4), 4, (r): CursorKey => ['score', r.score, r.id]);
  const connection = toConnection(page, (row, i) => (i === 1 ? null : { id: row.id }));
  assert.equal(connection.edges.length, 3);
  assert.deepEqual(
    connection.edges.map((e) => e.cursor),
    page.rows.filter((_, i) => i !== 1).map((r) => r.cursor),
  );
  assert.equal(connection.pageInfo.endCursor, page.rows.at(-1)!.cursor);
  assert.equal(connection.pageInfo.hasNextPage, true);
});
