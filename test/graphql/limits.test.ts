// The query limits' measures on the real schema: what @skip/@include leave out costs nothing, a
// negative page cannot lower a query's cost, and fragments that double at each level are measured in
// linear time and refused by the cost walk instead of hanging it (or being waved through).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { parse, type GraphQLSchema } from 'graphql';
import { MAX_QUERY_NODES, operationCost, operationMeasures, operationRoots } from '../../src/graphql/limits.js';
import { buildSchema } from '../../src/graphql/schema.js';

describe('query limits', () => {
  let schema: GraphQLSchema;
  before(async () => {
    schema = await buildSchema();
  });
  const cost = (query: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(query), variables);

  test('a totalCount that @skip or @include leaves out costs nothing', () => {
    const without = cost('{ segments { members(first: 100) { edges { node { distance } } } } }')!;
    const counted = cost('{ segments { members(first: 100) { totalCount edges { node { distance } } } } }')!;
    assert.ok(counted > without, `${counted} > ${without}`);
    assert.equal(cost('{ segments { members(first: 100) { totalCount @skip(if: true) edges { node { distance } } } } }'), without);
    assert.equal(
      cost('query ($c: Boolean!) { segments { members(first: 100) { totalCount @include(if: $c) edges { node { distance } } } } }', { c: false }),
      without,
    );
    assert.equal(
      cost('query ($c: Boolean!) { segments { members(first: 100) { totalCount @include(if: $c) edges { node { distance } } } } }', { c: true }),
      counted,
    );
  });

  test('a negative page does not lower the cost of what is asked beside it', () => {
    const big = 'a: segments { members(first: 500) { edges { node { customer { id } } } } }';
    const alone = cost(`{ ${big} }`)!;
    const negative = 'b: segment(id: "1") { members(first: -100000000) { edges { node { customer { id } } } } }';
    assert.ok(cost(`{ ${negative} }`)! >= 0);
    assert.ok(cost(`{ ${big} ${negative} }`)! >= alone);
  });

  test('variables that do not coerce leave the cost unknown (execution reports them)', () => {
    assert.equal(cost('query ($n: Int!) { segments { members(first: $n) { totalCount } } }', { n: 'many' }), undefined);
  });

  test('depth: fields nest, fragments (inline or spread) add nothing; the deepest operation counts', () => {
    assert.equal(operationMeasures(schema, parse('{ segments { id } }')).depth, 2);
    assert.equal(operationMeasures(schema, parse('{ segments { ... on Segment { id } } }')).depth, 2);
    assert.equal(
      operationMeasures(schema, parse('{ segments { ...S } } fragment S on Segment { members(first: 1) { edges { node { distance } } } }')).depth,
      5,
    );
    const two = parse('query A { segments { id } } query B { segments { members(first: 1) { totalCount } } }');
    assert.equal(operationMeasures(schema, two).depth, 3);
    assert.equal(operationMeasures(schema, two, 'A').depth, 2, 'only the operation that runs');
    assert.equal(operationMeasures(schema, two, 'B').depth, 3);
    assert.equal(operationMeasures(schema, parse('{ a: segments { b: id } c: segments { id } }')).aliases, 3);
  });

  test('root fields: fragments at the root followed, introspection recognised', () => {
    assert.deepEqual(operationRoots(parse('{ ...Q } fragment Q on Query { segments { id } me: segments { id } }')), {
      rootFields: 2,
      introspectionOnly: false,
    });
    assert.deepEqual(operationRoots(parse('{ __schema { types { name } } __type(name: "Segment") { name } }')), { rootFields: 2, introspectionOnly: true });
  });

  test('fragments doubling at every level: shape and depth in linear time, the cost walk refuses', () => {
    const levels = 40; // 2⁴⁰ fields once expanded
    const fragments = [`fragment F0 on Segment { id name }`];
    for (let i = 1; i <= levels; i++) fragments.push(`fragment F${i} on Segment { ...F${i - 1} ...F${i - 1} x${i}: id }`);
    const document = parse(`{ segments { ...F${levels} } } ${fragments.join(' ')}`);
    const measures = operationMeasures(schema, document);
    assert.equal(measures.aliases, 2 ** levels - 1, 'an alias counts once per spread');
    assert.equal(measures.depth, 2);
    assert.equal(operationRoots(document).rootFields, 1);
    assert.throws(() => operationCost(schema, document, {}), /maximum allowed number of nodes/);
    assert.ok(MAX_QUERY_NODES < 2 ** levels);
  });
});
