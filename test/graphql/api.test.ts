// The public API over real HTTP with a real GraphQL client, on the demo shop, PGlite and PostgreSQL:
// dashboards (segments, members, runs, customers), marketing tools (lookalikes, audiences, CSV,
// assignSegment), admins (relabel, run, delete, audit) — and keys, roles, errors, limits, DataLoaders.
import { textKey } from '../../src/customer-vectors/text-pool.js';
import { cleanText } from '../../src/profiles/profile-text.js';
import { scrubPersonalData } from '../../src/profiles/personal-data.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildClientSchema, buildSchema, findBreakingChanges, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { gql } from 'graphql-request';
import { projectRoot } from '../../src/config/settings.js';
import { loadDemoShop, TRUTH_FILE } from '../../src/demo/demo-shop.js';
import { CUSTOMERS_ALIAS } from '../../src/indexing/customer-indexer.js';
import { graphQLErrors, rawGraphQL, startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';

const CUSTOMERS = 2000;
const never = new AbortController().signal;
const idle = { signal: never, progress: () => {} };

interface SegmentView {
  id: string;
  name: string;
  automaticName: string;
  size: number;
  share: number;
  keywords: string[];
  label: string | null;
  lineageId: string;
}

for (const target of databaseTargets()) {
  describe(`GraphQL API on ${target.name}`, () => {
    let app: TestApp;
    let truth: Map<string, string>;
    const code = async (request: Promise<unknown>) => (await graphQLErrors(request))[0]!.extensions?.code;

    before(async () => {
      app = await startTestApp(target);
      const dir = path.join(app.services.settings.dataDir, 'demo');
      await loadDemoShop(app.services.ingest, { customers: CUSTOMERS, seed: 42 }, dir);
      truth = new Map(
        fs
          .readFileSync(path.join(dir, TRUTH_FILE), 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',') as [string, string]),
      );
      await (await app.services.indexer()).run(idle);
      await app.services.segments.run(idle, { k: 8, seed: 1 });
    });
    after(() => app.close());

    test('keys and roles: no key, a bad key, a viewer, a marketer', async () => {
      const segments = gql`
        {
          segments {
            id
          }
        }
      `;
      assert.equal(await code(app.clientWith().request(segments)), 'UNAUTHENTICATED');
      assert.equal(await code(app.clientWith('sk_admin_not-a-real-key').request(segments)), 'UNAUTHENTICATED');
      assert.equal((await app.clientWith(app.keys.viewer).request<{ segments: unknown[] }>(segments)).segments.length, 8);
      assert.equal(
        await code(
          app.clientWith(app.keys.viewer).request(gql`
            {
              lookalikeAudience(seeds: ["c000001"], size: 5) {
                size
              }
            }
          `),
        ),
        'FORBIDDEN',
      );
      const [any] = (await app.client.request<{ segments: { id: string }[] }>(segments)).segments;
      assert.equal(
        await code(
          app.clientWith(app.keys.marketer).request(
            gql`
              mutation ($id: ID!) {
                relabelSegment(id: $id, name: "x") {
                  id
                }
              }
            `,
            { id: any!.id },
          ),
        ),
        'FORBIDDEN',
      );
      assert.equal(
        await code(
          app.clientWith(app.keys.viewer).request(gql`
            mutation {
              embedCustomers {
                id
              }
            }
          `),
        ),
        'FORBIDDEN',
      );
      const health = await rawGraphQL(app.server.url, '{ health { status } }');
      assert.equal((health.body.data as { health: { status: string } }).health.status, 'ok', 'health needs no key');
    });

    test('segments for dashboards: names, stats, categories, keywords, representatives, quality', async () => {
      const { segments } = await app.clientWith(app.keys.viewer).request<{
        segments: (SegmentView & {
          medians: { monetary: number };
          topCategories: { category: string }[];
          representatives: { id: string }[];
          quality: number;
          trend: unknown;
          run: { id: string; active: boolean };
        })[];
      }>(gql`
        {
          segments {
            id
            name
            automaticName
            description
            size
            share
            archetype
            keywords
            quality
            trend {
              sizeChange
            }
            medians {
              recencyDays
              frequency
              monetary
            }
            means {
              monetary
            }
            topCategories {
              category
              share
            }
            representatives {
              id
            }
            run {
              id
              active
            }
            label
            lineageId
          }
        }
      `);
      assert.equal(
        segments.reduce((s, x) => s + x.size, 0),
        CUSTOMERS,
      );
      assert.ok(Math.abs(segments.reduce((s, x) => s + x.share, 0) - 1) < 1e-9);
      for (const s of segments) {
        assert.equal(s.name, s.automaticName);
        assert.ok(s.keywords.length > 0 && s.topCategories.length > 0 && s.representatives.length === 5);
        assert.ok(s.medians.monetary > 0 && s.quality > -1 && s.quality <= 1);
        assert.equal(s.trend, null, 'first run: no trend');
        assert.equal(s.run.active, true);
      }
    });

    test('charts for dashboards: viewer, the customer map of the run, RFM histograms against the population', async () => {
      const viewer = app.clientWith(app.keys.viewer);
      assert.deepEqual(
        (
          await viewer.request<{ viewer: unknown }>(gql`
            {
              viewer {
                name
                role
              }
            }
          `)
        ).viewer,
        { name: 'test viewer', role: 'VIEWER' },
      );
      assert.equal((await rawGraphQL(app.server.url, '{ viewer { role } }')).body.data?.viewer, null, 'no key: no viewer, no error');

      type Map = {
        runId: string;
        count: number;
        explainedVariance: number[];
        customerIds: string[];
        x: number[];
        y: number[];
        segment: number[];
        segments: { id: string; size: number }[];
      };
      const MAP = gql`
        {
          customerMap {
            runId
            method
            count
            explainedVariance
            customerIds
            x
            y
            segment
            segments {
              id
              size
            }
          }
        }
      `;
      const { customerMap: map } = await viewer.request<{ customerMap: Map }>(MAP);
      assert.equal(map.count, CUSTOMERS);
      for (const list of [map.customerIds, map.x, map.y, map.segment]) assert.equal(list.length, CUSTOMERS);
      assert.equal(new Set(map.customerIds).size, CUSTOMERS);
      assert.ok(
        map.explainedVariance[0]! >= map.explainedVariance[1]! && map.explainedVariance[1]! > 0 && map.explainedVariance[0]! + map.explainedVariance[1]! <= 1,
      );
      map.segments.forEach((s, i) => assert.equal(map.segment.filter((p) => p === i).length, s.size, `points of segment ${s.id}`));
      // The map shows the segments: most of the spread on it lies between segments, not within them.
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const [mx, my] = [mean(map.x), mean(map.y)];
      const centres = map.segments.map((_, i) => {
        const rows = map.segment.flatMap((p, r) => (p === i ? [r] : []));
        return [mean(rows.map((r) => map.x[r]!)), mean(rows.map((r) => map.y[r]!))] as const;
      });
      let total = 0;
      let between = 0;
      map.segment.forEach((p, r) => {
        total += (map.x[r]! - mx) ** 2 + (map.y[r]! - my) ** 2;
        between += (centres[p]![0] - mx) ** 2 + (centres[p]![1] - my) ** 2;
      });
      assert.ok(between / total > 0.5, `between-segment share of the map's spread: ${(between / total).toFixed(3)}`);
      const again = (await viewer.request<{ customerMap: Map }>(MAP)).customerMap;
      assert.deepEqual(again.x, map.x, 'computed once per run: the same map every time');

      type H = { edges: number[]; members: number[]; population: number[]; scale: string };
      const { segment } = await viewer.request<{
        segment: { size: number; medians: { frequency: number }; histograms: { recencyDays: H; frequency: H; monetary: H } };
      }>(
        gql`
          query ($id: ID!) {
            segment(id: $id) {
              size
              medians {
                frequency
              }
              histograms(bins: 12) {
                recencyDays {
                  edges
                  members
                  population
                  scale
                }
                frequency {
                  edges
                  members
                  population
                  scale
                }
                monetary {
                  edges
                  members
                  population
                  scale
                }
              }
            }
          }
        `,
        { id: map.segments[0]!.id },
      );
      const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
      for (const h of [segment.histograms.frequency, segment.histograms.monetary]) {
        assert.equal(h.edges.length, 13);
        assert.ok(h.edges.every((e, i) => i === 0 || e > h.edges[i - 1]!));
        assert.equal(sum(h.members), segment.size);
        assert.equal(sum(h.population), CUSTOMERS);
        assert.ok(h.members.every((m, i) => m <= h.population[i]!));
      }
      assert.equal(segment.histograms.monetary.scale, 'log');
      // The median member's frequency falls in the bin where the members' cumulative count passes half.
      const f = segment.histograms.frequency;
      let cumulative = 0;
      const bin = f.members.findIndex((m) => (cumulative += m) >= segment.size / 2);
      assert.ok(
        segment.medians.frequency >= f.edges[bin]! - 1e-9 && (bin === 11 || segment.medians.frequency <= f.edges[bin + 1]! + 1e-9),
        `median ${segment.medians.frequency} in bin ${bin} of ${f.edges.join(', ')}`,
      );
      const bad = await graphQLErrors(
        viewer.request(
          gql`
            query ($id: ID!) {
              segment(id: $id) {
                histograms(bins: 1) {
                  frequency {
                    edges
                  }
                }
              }
            }
          `,
          { id: map.segments[0]!.id },
        ),
      );
      assert.deepEqual([bad[0]!.extensions?.code, bad[0]!.extensions?.field, bad[0]!.path], ['BAD_USER_INPUT', 'bins', ['segment', 'histograms']]);
    });

    test('members: pages of a Relay connection in every order, filters, stable cursors while customers are added', async () => {
      const { segments } = await app.client.request<{ segments: { id: string; size: number }[] }>(gql`
        {
          segments {
            id
            size
          }
        }
      `);
      const seg = segments[0]!;
      const PAGE = gql`
        query ($id: ID!, $after: String, $order: MemberOrder, $filter: MemberFilter) {
          segment(id: $id) {
            members(first: 100, after: $after, orderBy: $order, filter: $filter) {
              totalCount
              pageInfo {
                hasNextPage
                endCursor
              }
              edges {
                cursor
                node {
                  distance
                  monetary
                  frequency
                  recencyDays
                  outlier
                  provisional
                  customer {
                    id
                  }
                }
              }
            }
          }
        }
      `;
      type Page = {
        segment: {
          members: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            edges: { node: { distance: number; monetary: number; frequency: number; recencyDays: number | null; customer: { id: string } } }[];
          };
        };
      };
      const walk = async (order: string, filter?: object, beforeEachPage?: (page: number) => Promise<void>) => {
        const seen: Page['segment']['members']['edges'][number]['node'][] = [];
        let after: string | null = null;
        let total: number | undefined;
        for (let page = 0; ; page++) {
          await beforeEachPage?.(page);
          const data: Page = await app.client.request<Page>(PAGE, { id: seg.id, after, order, filter });
          total = data.segment.members.totalCount;
          seen.push(...data.segment.members.edges.map((e) => e.node));
          if (!data.segment.members.pageInfo.hasNextPage) break;
          after = data.segment.members.pageInfo.endCursor;
        }
        return { seen, total: total ?? 0 };
      };
      const byDistance = await walk('DISTANCE');
      assert.equal(byDistance.seen.length, seg.size);
      assert.equal(new Set(byDistance.seen.map((n) => n.customer.id)).size, seg.size);
      assert.ok(byDistance.seen.every((n, i, a) => i === 0 || a[i - 1]!.distance <= n.distance));
      const byMoney = await walk('MONETARY');
      assert.ok(byMoney.seen.every((n, i, a) => i === 0 || a[i - 1]!.monetary >= n.monetary));
      const byFrequency = await walk('FREQUENCY');
      assert.ok(byFrequency.seen.every((n, i, a) => i === 0 || a[i - 1]!.frequency >= n.frequency));
      const byRecency = await walk('RECENCY');
      assert.ok(byRecency.seen.every((n, i, a) => i === 0 || (a[i - 1]!.recencyDays ?? Infinity) <= (n.recencyDays ?? Infinity)));
      const rich = await walk('DISTANCE', { minMonetary: byMoney.seen[20]!.monetary });
      assert.equal(rich.total, rich.seen.length);
      assert.ok(rich.seen.every((n) => n.monetary >= byMoney.seen[20]!.monetary) && rich.seen.length >= 21);

      // While a client pages, new customers join the segment (provisionally): no member is skipped or repeated.
      const template = byDistance.seen[0]!.customer.id;
      const orders = await app.services.db.prisma.order.findMany({
        where: { customer: { externalId: template } },
        include: { items: { include: { product: true } } },
      });
      const walkWhileWriting = await walk('DISTANCE', undefined, async (page) => {
        if (page === 0 || page > 2) return;
        const id = `twin-${page}`;
        await app.services.ingest.upsert('customers', [{ id, country: 'Germany' }]);
        await app.services.ingest.upsert(
          'orders',
          orders.map((o, i) => ({
            id: `${id}-o${i}`,
            customerId: id,
            placedAt: o.placedAt,
            items: o.items.map((it) => ({ productId: it.product.externalId, quantity: it.quantity, unitPrice: Number(it.unitPrice) })),
          })),
        );
        await (await app.services.indexer()).run(idle);
      });
      const original = new Set(byDistance.seen.map((n) => n.customer.id));
      const walked = walkWhileWriting.seen.map((n) => n.customer.id);
      assert.equal(new Set(walked).size, walked.length, 'no member twice');
      assert.ok(
        [...original].every((id) => walked.includes(id)),
        'no member skipped',
      );
    });

    test('runs, a customer with its segment and similar customers', async () => {
      const { segmentationRuns } = await app.client.request<{
        segmentationRuns: { id: string; active: boolean; k: number; triedK: { k: number }[]; metrics: { silhouette: number } }[];
      }>(gql`
        {
          segmentationRuns {
            id
            active
            k
            triedK {
              k
            }
            metrics {
              silhouette
            }
          }
        }
      `);
      assert.equal(segmentationRuns.filter((r) => r.active).length, 1);
      assert.equal(segmentationRuns[0]!.k, 8);
      const { customer } = await app.clientWith(app.keys.viewer).request<{
        customer: {
          id: string;
          country: string;
          segment: { id: string };
          distance: number;
          provisional: boolean;
          outlier: boolean;
          behaviour: { frequency: number; monetary: number };
          profile: { orders: number };
          similarCustomers: { customer: { id: string; segment: { id: string } }; score: number }[];
        };
      }>(gql`
        {
          customer(id: "c000005") {
            id
            country
            distance
            provisional
            outlier
            segment {
              id
            }
            behaviour {
              frequency
              monetary
              categoryShares {
                category
                share
              }
            }
            profile {
              orders
              searches
              reviews
              recentSearches
            }
            similarCustomers(limit: 5, sameSegment: true) {
              score
              customer {
                id
                segment {
                  id
                }
              }
            }
          }
        }
      `);
      assert.equal(customer.id, 'c000005');
      assert.ok(customer.behaviour.frequency > 0 && customer.profile.orders > 0 && customer.distance > 0);
      assert.equal(customer.similarCustomers.length, 5);
      assert.ok(customer.similarCustomers.every((s) => s.customer.segment.id === customer.segment.id && s.customer.id !== 'c000005'));
      assert.ok(
        customer.similarCustomers.every((s, i, a) => i === 0 || a[i - 1]!.score <= s.score),
        'nearest first (Euclidean distance)',
      );
      const persona = truth.get('c000005');
      const samePersona = customer.similarCustomers.filter((s) => truth.get(s.customer.id) === persona).length;
      assert.ok(samePersona >= 4, `${samePersona} of 5 similar customers share the persona`);
      assert.equal(
        await code(
          app.client.request(gql`
            {
              customer(id: "nobody") {
                id
              }
            }
          `),
        ),
        'NOT_FOUND',
      );
    });

    test('lookalike: half of a persona as seeds finds the other half in the top 2 × persona size (recall ≥ 0.9)', async () => {
      const persona = [...truth].filter(([, p]) => p === 'pet-owners').map(([id]) => id);
      const seeds = persona.filter((_, i) => i % 2 === 0);
      const hidden = new Set(persona.filter((_, i) => i % 2 === 1));
      const QUERY = gql`
        query ($seeds: [ID!]!, $size: Int!, $after: String) {
          lookalikeAudience(seeds: $seeds, size: $size) {
            size
            seedsUsed
            seedsMissing
            quality {
              heldOut
              recovered
              recall
            }
            members(first: 500, after: $after) {
              totalCount
              pageInfo {
                hasNextPage
                endCursor
              }
              edges {
                node {
                  rank
                  score
                  customer {
                    id
                  }
                }
              }
            }
          }
        }
      `;
      type R = {
        lookalikeAudience: {
          size: number;
          seedsUsed: number;
          seedsMissing: string[];
          quality: { recall: number; heldOut: number };
          members: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { rank: number; customer: { id: string } } }[] };
        };
      };
      const marketer = app.clientWith(app.keys.marketer);
      const first = await marketer.request<R>(QUERY, { seeds: [...seeds, 'ghost'], size: 2 * persona.length });
      const a = first.lookalikeAudience;
      assert.deepEqual([a.size, a.seedsUsed, a.seedsMissing], [2 * persona.length, seeds.length, ['ghost']]);
      const ids = a.members.edges.map((e) => e.node.customer.id);
      assert.ok(!ids.some((id) => seeds.includes(id)), 'seeds are excluded');
      const recall = ids.filter((id) => hidden.has(id)).length / hidden.size;
      assert.ok(recall >= 0.9, `recall ${recall}`);
      assert.ok(a.quality.heldOut > 0 && a.quality.recall >= 0.8, `hold-out recall ${a.quality.recall}`);
      assert.equal(a.members.totalCount, 2 * persona.length);
      assert.equal(a.members.pageInfo.hasNextPage, false);
      const best = await marketer.request<R>(
        gql`
          query ($seeds: [ID!]!) {
            lookalikeAudience(seeds: $seeds, size: 100, strategy: BEST_SCORE, vector: TEXT) {
              size
              members(first: 50) {
                pageInfo {
                  hasNextPage
                  endCursor
                }
                edges {
                  node {
                    rank
                    customer {
                      id
                    }
                  }
                }
              }
            }
          }
        `,
        { seeds },
      );
      assert.equal(best.lookalikeAudience.members.edges.length, 50);
      assert.equal(best.lookalikeAudience.members.pageInfo.hasNextPage, true);
      // The next page comes from the same computed ranking (the same request within the cache's life
      // returns the same id), so it continues exactly where the first page ended.
      const PAGE = gql`
        query ($seeds: [ID!]!, $size: Int!, $after: String) {
          lookalikeAudience(seeds: $seeds, size: $size, strategy: BEST_SCORE, vector: TEXT) {
            id
            members(first: 50, after: $after) {
              pageInfo {
                hasNextPage
              }
              edges {
                node {
                  rank
                  customer {
                    id
                  }
                }
              }
            }
          }
        }
      `;
      type P = {
        lookalikeAudience: { id: string; members: { pageInfo: { hasNextPage: boolean }; edges: { node: { rank: number; customer: { id: string } } }[] } };
      };
      const after = best.lookalikeAudience.members.pageInfo.endCursor;
      const next = await marketer.request<P>(PAGE, { seeds, size: 100, after });
      assert.deepEqual(
        next.lookalikeAudience.members.edges.map((e) => e.node.rank),
        Array.from({ length: 50 }, (_, i) => 50 + i),
      );
      assert.equal(next.lookalikeAudience.members.pageInfo.hasNextPage, false);
      const firstIds = new Set(best.lookalikeAudience.members.edges.map((e) => e.node.customer.id));
      assert.ok(!next.lookalikeAudience.members.edges.some((e) => firstIds.has(e.node.customer.id)), 'no customer on both pages');
      assert.equal((await marketer.request<P>(PAGE, { seeds, size: 100 })).lookalikeAudience.id, next.lookalikeAudience.id, 'one computation');
      // A cursor of another computation (another size) would not follow on: refused, on `after`.
      const foreign = await rawGraphQL(app.server.url, PAGE, { seeds, size: 99, after }, app.keys.marketer);
      assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(foreign.body.errors?.[0]?.extensions?.field, 'after');
      assert.equal(await code(marketer.request(QUERY, { seeds, size: 0 })), 'BAD_USER_INPUT');
    });

    test('saveAudience, audience(id), and its CSV streamed over HTTP', async () => {
      const seeds = [...truth]
        .filter(([, p]) => p === 'runners')
        .slice(0, 40)
        .map(([id]) => id);
      const marketer = app.clientWith(app.keys.marketer);
      const { saveAudience } = await marketer.request<{ saveAudience: { id: string; size: number; csvPath: string; quality: { recall: number } } }>(
        gql`
          mutation ($seeds: [ID!]!) {
            saveAudience(name: "Runners lookalike", seeds: $seeds, size: 300) {
              id
              size
              csvPath
              quality {
                recall
              }
            }
          }
        `,
        { seeds },
      );
      assert.equal(saveAudience.size, 300);
      const { audience } = await marketer.request<{
        audience: { name: string; members: { totalCount: number; edges: { node: { rank: number; customer: { id: string } } }[] } };
      }>(
        gql`
          query ($id: ID!) {
            audience(id: $id) {
              name
              members(first: 10) {
                totalCount
                edges {
                  node {
                    rank
                    customer {
                      id
                    }
                  }
                }
              }
            }
          }
        `,
        { id: saveAudience.id },
      );
      assert.equal(audience.name, 'Runners lookalike');
      assert.deepEqual(
        audience.members.edges.map((e) => e.node.rank),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      const url = new URL(saveAudience.csvPath, app.server.url).toString();
      const csv = await fetch(url, { headers: { authorization: `Bearer ${app.keys.marketer}` } });
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      const lines = (await csv.text()).trim().split('\n');
      assert.equal(lines[0], 'rank,customer_id,score');
      assert.equal(lines.length, 301);
      assert.equal(lines[1]!.split(',')[1], audience.members.edges[0]!.node.customer.id);
      assert.equal((await fetch(url)).status, 401);
      assert.equal((await fetch(url, { headers: { authorization: `Bearer ${app.keys.viewer}` } })).status, 403);

      // Kept seeds come first, without a score (the ranking never scored them): saved, paged and exported.
      const withSeeds = await marketer.request<{ saveAudience: { id: string; size: number; csvPath: string } }>(
        gql`
          mutation ($seeds: [ID!]!) {
            saveAudience(name: "Runners and their lookalikes", seeds: $seeds, size: 100, excludeSeeds: false) {
              id
              size
              csvPath
            }
          }
        `,
        { seeds },
      );
      assert.equal(withSeeds.saveAudience.size, 100);
      const kept = await marketer.request<{ audience: { members: { edges: { node: { rank: number; score: number | null; customer: { id: string } } }[] } } }>(
        gql`
          query ($id: ID!) {
            audience(id: $id) {
              members(first: 41) {
                edges {
                  node {
                    rank
                    score
                    customer {
                      id
                    }
                  }
                }
              }
            }
          }
        `,
        { id: withSeeds.saveAudience.id },
      );
      const nodes = kept.audience.members.edges.map((e) => e.node);
      assert.deepEqual(new Set(nodes.slice(0, 40).map((n) => n.customer.id)), new Set(seeds));
      assert.ok(nodes.slice(0, 40).every((n) => n.score === null));
      assert.equal(typeof nodes[40]!.score, 'number');
      const keptCsv = await fetch(new URL(withSeeds.saveAudience.csvPath, app.server.url), { headers: { authorization: `Bearer ${app.keys.marketer}` } });
      const keptLines = (await keptCsv.text()).trim().split('\n');
      assert.equal(keptLines.length, 101);
      assert.match(keptLines[1]!, /^1,[^,]+,$/, 'a seed has an empty score');
    });

    test('assignSegment places a prospect in the segment of people like them', async () => {
      const { assignSegment } = await app
        .clientWith(app.keys.marketer)
        .request<{ assignSegment: { segment: { name: string; topCategories: { category: string }[] }; distance: number } }>(gql`
          {
            assignSegment(
              profile: {
                texts: ["grain free dog food", "My dog loves this food and his coat looks shiny."]
                categories: ["pet supplies"]
                recencyDays: 8
                frequency: 12
                monetary: 900
                tenureDays: 800
                categoryShares: [{ category: "pet supplies", share: 1 }]
              }
            ) {
              distance
              segment {
                name
                topCategories {
                  category
                }
              }
            }
          }
        `);
      assert.equal(assignSegment.segment.topCategories[0]!.category, 'pet supplies', assignSegment.segment.name);
      // The demo shop's personas rate differently, so ratings repeat and count as a habit: one harsh
      // rating moves a prospect less than fifty.
      const distance = async (ratingCount: number) =>
        (
          await app.clientWith(app.keys.marketer).request<{ assignSegment: { distance: number } }>(
            gql`
              query ($n: Int!) {
                assignSegment(
                  profile: { texts: ["grain free dog food"], categories: ["pet supplies"], frequency: 12, monetary: 900, meanRating: 1, ratingCount: $n }
                ) {
                  distance
                }
              }
            `,
            { n: ratingCount },
          )
        ).assignSegment.distance;
      const [once, often] = [await distance(1), await distance(50)];
      assert.ok(often > once + 1e-6, `one rating of 1: distance ${once}; fifty: ${often}`);
      const bad = await graphQLErrors(
        app.clientWith(app.keys.marketer).request(gql`
          {
            assignSegment(profile: { texts: ["dog food"], meanRating: 5, ratingCount: 0 }) {
              distance
            }
          }
        `),
      );
      assert.deepEqual(
        [bad[0]!.extensions?.code, bad[0]!.extensions?.field, bad[0]!.path],
        ['BAD_USER_INPUT', 'profile.ratingCount', ['assignSegment']],
        JSON.stringify(bad),
      );
    });

    test('admins relabel; the label survives a new run; every admin mutation is in the audit log', async () => {
      const { segments } = await app.client.request<{ segments: SegmentView[] }>(gql`
        {
          segments {
            id
            name
            automaticName
            lineageId
            size
            share
            keywords
            label
          }
        }
      `);
      const target = segments.find((s) => s.automaticName.includes('video games'))!;
      const { relabelSegment } = await app.client.request<{ relabelSegment: { name: string; label: string; tags: string[] } }>(
        gql`
          mutation ($id: ID!) {
            relabelSegment(id: $id, name: "Weekend gamers", description: "Console and PC players", tags: ["gaming", "youth"]) {
              name
              label
              tags
            }
          }
        `,
        { id: target.id },
      );
      assert.deepEqual([relabelSegment.name, relabelSegment.tags], ['Weekend gamers', ['gaming', 'youth']]);
      const { runSegmentation } = await app.client.request<{ runSegmentation: { id: string } }>(gql`
        mutation {
          runSegmentation(k: 8, seed: 99) {
            id
          }
        }
      `);
      assert.equal(
        await code(
          app.client.request(gql`
            mutation {
              runSegmentation(k: 8) {
                id
              }
            }
          `),
        ),
        'CONFLICT',
      );
      let status = 'QUEUED';
      while (status === 'QUEUED' || status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 200));
        status = (
          await app.client.request<{ job: { status: string; progress: number } }>(
            gql`
              query ($id: ID!) {
                job(id: $id) {
                  status
                  progress
                }
              }
            `,
            { id: runSegmentation.id },
          )
        ).job.status;
      }
      assert.equal(status, 'SUCCEEDED');
      const after = await app.client.request<{ segments: SegmentView[] }>(gql`
        {
          segments {
            id
            name
            lineageId
            label
            automaticName
            trend {
              previousSegmentId
              sizeChange
              inflow
              outflow
            }
          }
        }
      `);
      const renamed = after.segments.find((s) => s.lineageId === target.lineageId)!;
      assert.equal(renamed.name, 'Weekend gamers');
      const { auditLog } = await app.client.request<{
        auditLog: { entries: { action: string; actor: string; before: { label: string | null }; after: { label: string } }[] };
      }>(gql`
        {
          auditLog(first: 20) {
            entries {
              action
              actor
              target
              before
              after
            }
          }
        }
      `);
      const relabel = auditLog.entries.find((e) => e.action === 'relabelSegment')!;
      assert.deepEqual([relabel.before.label, relabel.after.label], [null, 'Weekend gamers']);
      assert.match(relabel.actor, /^test admin \(sk_admin_/);
      assert.ok(auditLog.entries.some((e) => e.action === 'runSegmentation'));
      assert.equal(
        await code(
          app.clientWith(app.keys.marketer).request(gql`
            {
              auditLog {
                entries {
                  action
                }
              }
            }
          `),
        ),
        'FORBIDDEN',
      );
      const { migration } = await app.client.request<{ migration: { customers: number }[] }>(
        gql`
          query ($a: ID!, $b: ID!) {
            migration(fromRun: $a, toRun: $b) {
              fromSegmentId
              toSegmentId
              customers
            }
          }
        `,
        { a: '1', b: String(Number(target.id) > 0 ? (await app.services.catalog.activeRun())!.id : 0) },
      );
      assert.ok(migration.reduce((s, f) => s + f.customers, 0) >= CUSTOMERS);
    });

    test('deleteCustomer forgets a customer everywhere', async () => {
      const victim = 'c000042';
      const internal = (await app.services.db.prisma.customer.findUniqueOrThrow({ where: { externalId: victim } })).id;
      // Their words are cached as text vectors: one only they wrote, one another customer wrote too.
      // (An English one: the offline model reads English only, and unreadable texts are not embedded.)
      const others = await app.services.db.prisma.review.findMany({ where: { customerId: { not: internal } }, orderBy: { id: 'asc' }, take: 200 });
      const other = others.find((r) => /^[\x20-\x7e]+$/.test(r.text))!;
      const own = 'Only this customer ever wrote this sentence about purple kettles.';
      await app.services.ingest.upsert('reviews', [
        { id: 'forget-own', customerId: victim, rating: 5, text: own, reviewedAt: new Date('2026-10-01T00:00:00Z') },
        { id: 'forget-shared', customerId: victim, rating: 4, text: other.text, reviewedAt: new Date('2026-10-02T00:00:00Z') },
      ]);
      await (await app.services.indexer()).run({ signal: new AbortController().signal, progress: () => {} });
      const cached = async (text: string) =>
        (await app.services.db.prisma.textEmbedding.count({ where: { hash: textKey(cleanText(scrubPersonalData(text))) } })) > 0;
      assert.deepEqual([await cached(own), await cached(other.text)], [true, true]);

      const { deleteCustomer } = await app.client.request<{
        deleteCustomer: { id: string; removed: { orders: number; vectorCollections: string[]; textVectors: number } };
      }>(gql`mutation { deleteCustomer(id: "${victim}") { id removed } }`);
      assert.ok(deleteCustomer.removed.orders > 0 && deleteCustomer.removed.vectorCollections.length >= 1);
      assert.deepEqual([await cached(own), await cached(other.text)], [false, true], 'their own text is forgotten, a shared one kept');
      assert.ok(deleteCustomer.removed.textVectors >= 1);
      assert.equal(await code(app.client.request(gql`{ customer(id: "${victim}") { id } }`)), 'NOT_FOUND');
      const p = app.services.db.prisma;
      const left = await Promise.all([
        p.order.count({ where: { customerId: internal } }),
        p.searchQuery.count({ where: { customerId: internal } }),
        p.review.count({ where: { customerId: internal } }),
        p.membership.count({ where: { customerId: internal } }),
        p.customerVector.count({ where: { customerId: internal } }),
        p.audienceMember.count({ where: { customerId: internal } }),
      ]);
      assert.deepEqual(left, [0, 0, 0, 0, 0, 0]);
      const collection = (await app.services.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
      assert.deepEqual(await app.services.vectors.retrieve(collection, [internal]), []);
      assert.equal(await code(app.client.request(gql`mutation { deleteCustomer(id: "${victim}") { id } }`)), 'NOT_FOUND');
    });

    test('bad input, unknown ids, page and query limits: clear errors with codes and field paths', async () => {
      const invalid = await graphQLErrors(
        app.client.request(gql`
          {
            segment(id: "abc") {
              id
            }
          }
        `),
      );
      assert.deepEqual([invalid[0]!.extensions?.code, invalid[0]!.extensions?.field, invalid[0]!.path], ['BAD_USER_INPUT', 'id', ['segment']]);
      assert.equal(
        await code(
          app.client.request(gql`
            {
              segment(id: "999999") {
                id
              }
            }
          `),
        ),
        'NOT_FOUND',
      );
      const { segments } = await app.client.request<{ segments: { id: string }[] }>(gql`
        {
          segments {
            id
          }
        }
      `);
      const tooMany = await graphQLErrors(
        app.client.request(
          gql`
            query ($id: ID!) {
              segment(id: $id) {
                members(first: 1000) {
                  totalCount
                }
              }
            }
          `,
          { id: segments[0]!.id },
        ),
      );
      assert.deepEqual([tooMany[0]!.extensions?.code, tooMany[0]!.extensions?.field, tooMany[0]!.path], ['BAD_USER_INPUT', 'first', ['segment', 'members']]);
      assert.equal(
        await code(
          app.client.request(
            gql`
              query ($id: ID!) {
                segment(id: $id) {
                  members(first: 5, after: "garbage") {
                    totalCount
                  }
                }
              }
            `,
            { id: segments[0]!.id },
          ),
        ),
        'BAD_USER_INPUT',
      );
      const deep = await rawGraphQL(
        app.server.url,
        `{ segments { run { segments { run { segments { run { segments { run { segments { run { segments { run { segments { id } } } } } } } } } } } } } }`,
        undefined,
        app.keys.admin,
      );
      assert.equal(deep.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
      const costly = await rawGraphQL(
        app.server.url,
        `query ($id: ID!) { segment(id: $id) { members(first: 500) { edges { node { customer { similarCustomers(limit: 1000) { score } } } } } } }`,
        { id: segments[0]!.id },
        app.keys.admin,
      );
      assert.equal(costly.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COSTLY');
      assert.equal(costly.status, 400);
      assert.equal(deep.status, 400);
    });

    test('abuse limits: aliases, root fields and unpaginated lists are counted; standard introspection passes', async () => {
      const member = 'segments { members(first: 500) { totalCount } }';
      // The attack ran 13 s; refused, it reads no data: no database query beyond the key's lookup.
      await rawGraphQL(app.server.url, '{ viewer { role } }', undefined, app.keys.viewer); // the key is cached now
      let queries = 0;
      const stop = app.services.db.onQuery(() => queries++);
      const aliased = await rawGraphQL(
        app.server.url,
        `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: ${member}`).join(' ')} }`,
        undefined,
        app.keys.viewer,
      ).finally(stop);
      assert.equal(aliased.status, 400);
      assert.equal(aliased.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
      assert.ok(queries <= 1, `${queries} database queries`);
      // Under the alias limit, an unpaginated list still multiplies what each item asks for.
      const wide = await rawGraphQL(app.server.url, `{ ${Array.from({ length: 12 }, (_, i) => `a${i}: ${member}`).join(' ')} }`, undefined, app.keys.viewer);
      assert.equal(wide.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COSTLY');
      const roots = await rawGraphQL(
        app.server.url,
        `{ ${Array.from({ length: 25 }, () => 'shopStats { customers }').join(' ')} }`,
        undefined,
        app.keys.viewer,
      );
      assert.equal(roots.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
      // Fragments that double at each level (2³⁰ fields expanded): refused, not measured for ever nor let through.
      const doubling = Array.from({ length: 30 }, (_, i) => `fragment F${i + 1} on Segment { ...F${i} ...F${i} }`).join(' ');
      const exploded = await rawGraphQL(app.server.url, `{ segments { ...F30 } } fragment F0 on Segment { id } ${doubling}`, undefined, app.keys.viewer);
      assert.equal(exploded.status, 400);
      assert.equal(exploded.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
      // A negative page must not pay for the rest: the wide query with it is still too costly.
      const negative = 'n: segment(id: "1") { members(first: -100000000) { totalCount } }';
      const offset = await rawGraphQL(
        app.server.url,
        `{ ${negative} ${Array.from({ length: 12 }, (_, i) => `a${i}: ${member}`).join(' ')} }`,
        undefined,
        app.keys.viewer,
      );
      assert.equal(offset.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COSTLY');
      // What dashboards send still passes.
      const ok = await rawGraphQL(
        app.server.url,
        `{ segments { id name size members(first: 50) { totalCount edges { node { distance customer { id } } } } } }`,
        undefined,
        app.keys.viewer,
      );
      assert.equal(ok.body.errors, undefined);

      const introspection = await rawGraphQL(app.server.url, getIntrospectionQuery(), undefined, app.keys.viewer);
      assert.equal(introspection.body.errors, undefined, JSON.stringify(introspection.body.errors));
      const served = buildClientSchema(introspection.body.data as unknown as IntrospectionQuery);
      const committed = buildSchema(fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8'));
      assert.deepEqual(findBreakingChanges(committed, served), []);
      const nested = await rawGraphQL(
        app.server.url,
        '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
        undefined,
        app.keys.viewer,
      );
      assert.equal(nested.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'graphql-js refuses nested type members');
      const chain = `{ __type(name: "Segment") { name ${'ofType { '.repeat(25)}name${' }'.repeat(25)} } }`;
      assert.equal((await rawGraphQL(app.server.url, chain, undefined, app.keys.viewer)).body.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
    });

    test('the rest of the surface: segmentationRun(id), shopStats, audiences, jobs, cancelJob', async () => {
      const active = (await app.services.catalog.activeRun())!;
      const { segmentationRun } = await app.clientWith(app.keys.viewer).request<{
        segmentationRun: {
          id: string;
          active: boolean;
          customerCount: number;
          segments: { id: string }[];
          kRule: string;
          algorithm: string;
          triedK: { k: number; embeddingSilhouette: number | null; eigengap: number | null; smallestShare: number | null }[];
        };
      }>(
        gql`
          query ($id: ID!) {
            segmentationRun(id: $id) {
              id
              active
              customerCount
              kRule
              algorithm
              timings
              parameters
              segments {
                id
              }
              triedK {
                k
                embeddingSilhouette
                eigengap
                smallestShare
              }
            }
          }
        `,
        { id: String(active.id) },
      );
      assert.equal(segmentationRun.active, true);
      // Spectral by default: what chose k is there to read.
      assert.equal(segmentationRun.algorithm, 'spectral');
      assert.ok(segmentationRun.triedK.length > 0);
      for (const t of segmentationRun.triedK)
        assert.ok(
          t.embeddingSilhouette! > -1 &&
            t.embeddingSilhouette! <= 1 &&
            typeof t.eigengap === 'number' &&
            t.eigengap >= 0 &&
            t.eigengap < 1 &&
            t.smallestShare! > 0 &&
            t.smallestShare! <= 1,
          JSON.stringify(t),
        );
      assert.equal(segmentationRun.segments.length, active.k);
      assert.equal(
        await code(
          app.client.request(gql`
            {
              segmentationRun(id: "424242") {
                id
              }
            }
          `),
        ),
        'NOT_FOUND',
      );
      const { shopStats } = await app.clientWith(app.keys.viewer).request<{ shopStats: { customers: number } }>(gql`
        {
          shopStats {
            customers
            products
            orders
            orderItems
            searches
            reviews
          }
        }
      `);
      assert.ok(shopStats.customers >= CUSTOMERS - 1);
      // Its own audience, not one another test saved: each test stands alone.
      const marketer = app.clientWith(app.keys.marketer);
      const seeds = [...truth]
        .filter(([, p]) => p === 'pet-owners')
        .slice(0, 5)
        .map(([id]) => id);
      const { saveAudience: listed } = await marketer.request<{ saveAudience: { id: string } }>(
        gql`
          mutation ($seeds: [ID!]!) {
            saveAudience(name: "Listed audience", seeds: $seeds, size: 20) {
              id
            }
          }
        `,
        { seeds },
      );
      const { audiences } = await marketer.request<{ audiences: { id: string; name: string; size: number; createdBy: string }[] }>(gql`
        {
          audiences {
            id
            name
            size
            createdBy
          }
        }
      `);
      assert.deepEqual(audiences[0], { id: listed.id, name: 'Listed audience', size: 20, createdBy: audiences[0]!.createdBy }, 'newest first');
      assert.match(audiences[0]?.createdBy ?? '', /^test marketer \(sk_marketer_/);
      assert.deepEqual(
        audiences.map((a) => Number(a.id)),
        audiences.map((a) => Number(a.id)).sort((x, y) => y - x),
      );
      const { embedCustomers } = await app.client.request<{ embedCustomers: { id: string } }>(gql`
        mutation {
          embedCustomers(onlyChanged: false) {
            id
          }
        }
      `);
      const { cancelJob } = await app.client.request<{ cancelJob: { id: string } }>(
        gql`
          mutation ($id: ID!) {
            cancelJob(id: $id) {
              id
              status
            }
          }
        `,
        { id: embedCustomers.id },
      );
      assert.equal(cancelJob.id, embedCustomers.id);
      let status = 'QUEUED';
      while (status === 'QUEUED' || status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 100));
        status = (
          await app.client.request<{ job: { status: string } }>(
            gql`
              query ($id: ID!) {
                job(id: $id) {
                  status
                }
              }
            `,
            { id: embedCustomers.id },
          )
        ).job.status;
      }
      assert.equal(status, 'CANCELLED');
      const { jobs } = await app.clientWith(app.keys.viewer).request<{ jobs: { id: string; kind: string; status: string }[] }>(gql`
        {
          jobs {
            id
            kind
            status
            processed
            total
          }
        }
      `);
      assert.ok(jobs.some((j) => j.id === embedCustomers.id && j.status === 'CANCELLED'));
      assert.equal(
        await code(
          app.clientWith(app.keys.marketer).request(
            gql`
              mutation ($id: ID!) {
                cancelJob(id: $id) {
                  id
                }
              }
            `,
            { id: embedCustomers.id },
          ),
        ),
        'FORBIDDEN',
      );
    });

    test('DataLoaders: a page of 100 members with customers, segments and behaviour costs the same queries as a page of 10', async () => {
      // Jobs an earlier test started would add their own queries (progress, polls of their parts).
      for (const job of await app.services.jobs.list()) if (job.status === 'QUEUED' || job.status === 'RUNNING') await app.services.jobs.wait(job.id);
      const { segments } = await app.client.request<{ segments: { id: string }[] }>(gql`
        {
          segments {
            id
          }
        }
      `);
      const QUERY = gql`
        query ($id: ID!, $n: Int!) {
          segment(id: $id) {
            members(first: $n) {
              edges {
                node {
                  distance
                  customer {
                    id
                    country
                    segment {
                      name
                    }
                    behaviour {
                      monetary
                    }
                    provisional
                  }
                }
              }
            }
          }
        }
      `;
      const count = async (n: number) => {
        let queries = 0;
        const stop = app.services.db.onQuery(() => queries++);
        try {
          await app.client.request(QUERY, { id: segments[0]!.id, n });
        } finally {
          stop();
        }
        return queries;
      };
      // The API-key cache (30 s) may expire during one measurement and add its lookup to it; it cannot
      // expire twice in a row, so the smaller of two consecutive counts is the request's own.
      const ten = Math.min(await count(10), await count(10));
      const hundred = Math.min(await count(100), await count(100));
      assert.equal(hundred, ten, `${hundred} queries for 100 members, ${ten} for 10`);
      assert.ok(ten <= 15, `${ten} queries`);
    });
  });
}
