// Live audiences over real HTTP on both databases: a definition kept and refreshed on a schedule by the
// worker's ticks, each refresh a version whose diff is exactly what changed between them; consent and
// suppression keep customers out of every page and CSV, with the counts held back; versions expire;
// audiences are deleted; bad input is answered with a code and a field.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gql } from 'graphql-request';
import { SavedAudiences } from '../../src/audiences/saved-audiences.js';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { graphQLErrors, startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { until } from '../support/until.js';

const CUSTOMERS = 400;
const idle = { signal: new AbortController().signal, progress: () => {} };

interface VersionView {
  version: number;
  size: number;
  heldBack: number;
  added: number;
  removed: number;
  unchanged: number;
  expiresAt: string | null;
}

const AUDIENCE = gql`
  query ($id: ID!) {
    audience(id: $id) {
      id
      version
      size
      heldBack
      schedule
      nextRefreshAt
      versions {
        version
        size
        heldBack
        added
        removed
        unchanged
        expiresAt
      }
    }
  }
`;

const MEMBERS = gql`
  query ($id: ID!, $version: Int, $change: MemberChange!, $after: String) {
    audience(id: $id) {
      members(first: 500, version: $version, change: $change, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            customer {
              id
            }
          }
        }
      }
    }
  }
`;

for (const target of databaseTargets()) {
  describe(`live audiences on ${target.name}`, () => {
    let app: TestApp;
    /** The largest segment of the active run and its members' shop ids. */
    let segment: { id: string; members: string[] };

    const marketer = () => app.clientWith(app.keys.marketer);
    const audienceOf = async (id: string) =>
      (await marketer().request<{ audience: { version: number; size: number; heldBack: number; versions: VersionView[] } }>(AUDIENCE, { id })).audience;
    /** Every member id of a version's list, page by page. */
    const memberIds = async (id: string, change: 'ALL' | 'ADDED' | 'REMOVED', version?: number) => {
      const ids: string[] = [];
      let after: string | null = null;
      type Members = { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { customer: { id: string } } }[] };
      for (;;) {
        const { audience }: { audience: { members: Members } } = await marketer().request(MEMBERS, { id, version, change, after });
        ids.push(...audience.members.edges.map((e) => e.node.customer.id));
        if (!audience.members.pageInfo.hasNextPage) return ids;
        after = audience.members.pageInfo.endCursor;
      }
    };
    const csvIds = async (csvPath: string) => {
      const res = await fetch(new URL(csvPath, app.server.url), { headers: { authorization: `Bearer ${app.keys.marketer}` } });
      assert.equal(res.status, 200);
      return (await res.text())
        .trim()
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => line.split(',')[1]!);
    };
    const createFilterAudience = async (name: string, filter: Record<string, unknown>, schedule?: string) =>
      (
        await marketer().request<{ createAudience: { id: string; version: number; size: number; heldBack: number; csvPath: string } }>(
          gql`
            mutation ($name: String!, $filter: SegmentFilterInput!, $schedule: String) {
              createAudience(name: $name, definition: { filter: $filter }, schedule: $schedule) {
                id
                version
                size
                heldBack
                csvPath
              }
            }
          `,
          { name, filter, schedule },
        )
      ).createAudience;

    before(async () => {
      app = await startTestApp(target, { AUDIENCE_TICK_MS: '200', AUDIENCE_MIN_INTERVAL_SECONDS: '1' });
      await loadDemoShop(app.services.ingest, { customers: CUSTOMERS, seed: 7 }, path.join(app.services.settings.dataDir, 'demo'));
      await (await app.services.indexer()).run(idle);
      await app.services.segments.run(idle, { k: 4, seed: 1 });
      const { segments } = await app.client.request<{ segments: { id: string; size: number }[] }>(gql`
        {
          segments {
            id
            size
          }
        }
      `);
      const largest = segments.reduce((a, b) => (b.size > a.size ? b : a));
      const { segment: view } = await app.client.request<{ segment: { members: { edges: { node: { customer: { id: string } } }[] } } }>(
        gql`
          query ($id: ID!) {
            segment(id: $id) {
              members(first: 500) {
                edges {
                  node {
                    customer {
                      id
                    }
                  }
                }
              }
            }
          }
        `,
        { id: largest.id },
      );
      segment = { id: largest.id, members: view.members.edges.map((e) => e.node.customer.id) };
      assert.ok(segment.members.length >= 40, `largest segment has ${segment.members.length} members`);
    });
    after(() => app.close());

    test('a scheduled audience refreshes by itself; the diff of the next version is exactly the change made between them', async () => {
      const [inside, joining, leaving] = [segment.members.slice(0, 20), segment.members.slice(20, 25), segment.members.slice(0, 4)];
      await app.services.ingest.upsert(
        'customers',
        inside.map((id) => ({ id, country: 'Testland' })),
      );
      const created = await createFilterAudience('Testland regulars', { segments: [segment.id], countries: ['Testland'], limit: 1000 }, '*/1 * * * * *');
      assert.equal(created.version, 1);
      assert.equal(created.size, 20);
      assert.deepEqual(new Set(await memberIds(created.id, 'ALL')), new Set(inside));

      // Two refreshes by the schedule alone, with nothing changed in between: empty diffs.
      const refreshed = await until('two scheduled refreshes', async () => {
        const a = await audienceOf(created.id);
        return a.version >= 3 ? a : undefined;
      });
      const v3 = refreshed.versions.find((v) => v.version === 3)!;
      assert.deepEqual([v3.size, v3.added, v3.removed, v3.unchanged], [20, 0, 0, 20]);
      assert.ok(
        refreshed.versions.filter((v) => v.version < refreshed.version).every((v) => v.expiresAt !== null),
        'replaced versions carry their expiry',
      );

      // One change, in one batch: five customers move into Testland, four move out.
      await app.services.ingest.upsert('customers', [
        ...joining.map((id) => ({ id, country: 'Testland' })),
        ...leaving.map((id) => ({ id, country: 'Elsewhere' })),
      ]);
      const changedAt = (await audienceOf(created.id)).version;
      const later = await until('two refreshes after the change', async () => {
        const a = await audienceOf(created.id);
        return a.version >= changedAt + 2 ? a : undefined;
      });
      // A refresh that began before the change committed shows none of it; exactly one version shows all of it.
      const withChange = later.versions.filter((v) => v.version > changedAt && (v.added > 0 || v.removed > 0));
      assert.equal(withChange.length, 1, JSON.stringify(later.versions));
      const v = withChange[0]!;
      assert.deepEqual([v.size, v.added, v.removed, v.unchanged], [21, 5, 4, 16]);
      assert.deepEqual(new Set(await memberIds(created.id, 'ADDED', v.version)), new Set(joining));
      assert.deepEqual(new Set(await memberIds(created.id, 'REMOVED', v.version)), new Set(leaving));
      const diffCsv = await csvIds(`/audiences/${created.id}/members.csv?version=${v.version}&change=ADDED`);
      assert.deepEqual(new Set(diffCsv), new Set(joining));

      // Cleared schedule: no more versions.
      await marketer().request(
        gql`
          mutation ($id: ID!) {
            setAudienceSchedule(id: $id, schedule: null) {
              schedule
            }
          }
        `,
        { id: created.id },
      );
      await new Promise((resolve) => setTimeout(resolve, 600)); // a refresh queued just before may still land
      const settled = (await audienceOf(created.id)).version;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal((await audienceOf(created.id)).version, settled);
    });

    test('consent and suppression: held back from pages and CSV, counted; withdrawal applies at once', async () => {
      const members = segment.members;
      const [refusing, suppressed, laterRefusing] = [members.slice(30, 33), members.slice(33, 35), members[35]!];
      const created = await createFilterAudience('Segment for consent', { segments: [segment.id], limit: 1000 });
      const everyone = new Set(await memberIds(created.id, 'ALL'));
      assert.equal(created.heldBack, 0);

      const admin = app.client;
      const consent = await admin.request<{ setMarketingConsent: { updated: number; unknown: string[] } }>(
        gql`
          mutation ($ids: [ID!]!) {
            setMarketingConsent(customerIds: $ids, consent: false) {
              updated
              unknown
            }
          }
        `,
        { ids: [...refusing, 'no-such-customer'] },
      );
      assert.deepEqual(consent.setMarketingConsent, { updated: 3, unknown: ['no-such-customer'] });
      await admin.request(
        gql`
          mutation ($ids: [ID!]!) {
            suppressCustomers(customerIds: $ids, reason: "asked by phone") {
              updated
            }
          }
        `,
        { ids: suppressed },
      );
      // A batch that does not carry consent leaves it as recorded.
      await app.services.ingest.upsert('customers', [{ id: refusing[0]!, country: 'Norway' }]);
      const { customer } = await app.client.request<{ customer: { marketingConsent: boolean | null; suppressedAt: string | null } }>(
        gql`
          query ($id: ID!) {
            customer(id: $id) {
              marketingConsent
              suppressedAt
            }
          }
        `,
        { id: refusing[0] },
      );
      assert.equal(customer.marketingConsent, false);

      const { refreshAudience } = await marketer().request<{ refreshAudience: { id: string } }>(
        gql`
          mutation ($id: ID!) {
            refreshAudience(id: $id) {
              id
            }
          }
        `,
        { id: created.id },
      );
      await until('the refresh job', async () => {
        const { job } = await marketer().request<{ job: { status: string; error: string | null } }>(
          gql`
            query ($id: ID!) {
              job(id: $id) {
                status
                error
              }
            }
          `,
          { id: refreshAudience.id },
        );
        assert.notEqual(job.status, 'FAILED', job.error ?? '');
        return job.status === 'SUCCEEDED' ? job : undefined;
      });
      const refreshed = await audienceOf(created.id);
      assert.equal(refreshed.version, 2);
      assert.equal(refreshed.heldBack, 5);
      assert.equal(refreshed.size, everyone.size - 5);
      const v2 = refreshed.versions.find((v) => v.version === 2)!;
      assert.deepEqual([v2.removed, v2.added], [5, 0]);

      const held = new Set([...refusing, ...suppressed]);
      const listed = await memberIds(created.id, 'ALL');
      assert.equal(listed.length, everyone.size - 5);
      assert.ok(!listed.some((id) => held.has(id)), 'a held-back customer is in a page');
      // The diff counts them as removed, but never names them: their ids do not leave.
      assert.deepEqual(await memberIds(created.id, 'REMOVED'), []);
      assert.ok(!(await csvIds(created.csvPath)).some((id) => held.has(id)));

      // Consent withdrawn after the refresh: gone from every page of every version at once.
      await admin.request(
        gql`
          mutation ($ids: [ID!]!) {
            setMarketingConsent(customerIds: $ids, consent: false) {
              updated
            }
          }
        `,
        { ids: [laterRefusing] },
      );
      assert.ok(!(await memberIds(created.id, 'ALL')).includes(laterRefusing));
      assert.ok(!(await memberIds(created.id, 'ALL', 1)).includes(laterRefusing));
      assert.ok(!(await csvIds(`/audiences/${created.id}/members.csv?version=1`)).includes(laterRefusing));

      // Opt-in: only customers who said yes leave.
      const saying = members.slice(36, 40);
      await admin.request(
        gql`
          mutation ($ids: [ID!]!) {
            setMarketingConsent(customerIds: $ids, consent: true) {
              updated
            }
          }
        `,
        { ids: saying },
      );
      const optIn = new SavedAudiences(app.services.db.prisma, app.services.lookalikes, {
        ...app.services.settings.audiences,
        consent: 'opt-in',
        versionRetentionMs: 3_600_000,
      });
      const strict = await optIn.create('Opted in', { kind: 'FILTER', filter: { segmentLineages: undefined, limit: 1000 } }, null, 'test');
      const strictIds = [];
      for await (const page of optIn.export(strict.id)) strictIds.push(...page.map((m) => m.externalId));
      assert.deepEqual(new Set(strictIds), new Set(saying));
      assert.equal(strict.size, 4);
      assert.ok(strict.heldBack >= CUSTOMERS - 4 - 50, `held back ${strict.heldBack}`);
    });

    test('versions expire; refreshing a lookalike; deleting an audience', async () => {
      const seeds = segment.members.slice(0, 10);
      const { saveAudience } = await marketer().request<{ saveAudience: { id: string; version: number; size: number; heldBack: number } }>(
        gql`
          mutation ($seeds: [ID!]!) {
            saveAudience(name: "Lookalike", seeds: $seeds, size: 50) {
              id
              version
              size
              heldBack
            }
          }
        `,
        { seeds },
      );
      // Customers the consent test refused may be among the 50: counted, not listed.
      assert.deepEqual([saveAudience.version, saveAudience.size + saveAudience.heldBack], [1, 50]);
      // No retention: a replaced version is gone as soon as the next is written.
      const brief = new SavedAudiences(app.services.db.prisma, app.services.lookalikes, {
        ...app.services.settings.audiences,
        consent: 'opt-out',
        versionRetentionMs: 0,
      });
      const v2 = await brief.refresh(Number(saveAudience.id));
      assert.equal(v2.version, 2);
      assert.equal(v2.added + v2.unchanged, v2.size);
      assert.equal(v2.removed, saveAudience.size - v2.unchanged);
      const after = await audienceOf(saveAudience.id);
      assert.deepEqual(
        after.versions.map((v) => v.version),
        [2],
      );
      const expired = await graphQLErrors(marketer().request(MEMBERS, { id: saveAudience.id, version: 1, change: 'ALL' }));
      assert.equal(expired[0]!.extensions?.code, 'NOT_FOUND');
      assert.equal(
        (
          await fetch(new URL(`/audiences/${saveAudience.id}/members.csv?version=1`, app.server.url), {
            headers: { authorization: `Bearer ${app.keys.marketer}` },
          })
        ).status,
        404,
      );

      const scheduled = await createFilterAudience('Deleted while scheduled', { segments: [segment.id], limit: 10 }, '*/1 * * * * *');
      const { deleteAudience } = await marketer().request<{ deleteAudience: string }>(
        gql`
          mutation ($id: ID!) {
            deleteAudience(id: $id)
          }
        `,
        { id: scheduled.id },
      );
      assert.equal(deleteAudience, scheduled.id);
      assert.equal((await graphQLErrors(marketer().request(AUDIENCE, { id: scheduled.id })))[0]!.extensions?.code, 'NOT_FOUND');
      assert.equal((await fetch(new URL(scheduled.csvPath, app.server.url), { headers: { authorization: `Bearer ${app.keys.marketer}` } })).status, 404);
      assert.equal(await app.services.db.prisma.audienceMember.count({ where: { audienceId: Number(scheduled.id) } }), 0);
      const { auditLog } = await app.client.request<{ auditLog: { entries: { action: string; target: string }[] } }>(gql`
        {
          auditLog(first: 20) {
            entries {
              action
              target
            }
          }
        }
      `);
      assert.ok(auditLog.entries.some((e) => e.action === 'deleteAudience' && e.target === `audience:${scheduled.id}`));
    });

    test('bad input: a code and a field, nothing saved', async () => {
      const before = await app.services.db.prisma.audience.count();
      const errorOf = async (definition: unknown, schedule?: string) =>
        (
          await graphQLErrors(
            marketer().request(
              gql`
                mutation ($definition: AudienceDefinitionInput!, $schedule: String) {
                  createAudience(name: "bad", definition: $definition, schedule: $schedule) {
                    id
                  }
                }
              `,
              { definition, schedule },
            ),
          )
        )[0]!;
      const both = await errorOf({ lookalike: { seeds: ['x'], size: 5 }, filter: { limit: 5 } });
      assert.deepEqual([both.extensions?.code, both.extensions?.field], ['BAD_USER_INPUT', 'definition']);
      const cron = await errorOf({ filter: { limit: 5 } }, 'every tuesday');
      assert.deepEqual([cron.extensions?.code, cron.extensions?.field], ['BAD_USER_INPUT', 'schedule']);
      const unknown = await errorOf({ filter: { segments: ['999999'], limit: 5 } });
      assert.deepEqual([unknown.extensions?.code, unknown.extensions?.field], ['BAD_USER_INPUT', 'definition.filter.segments[0]']);
      const limit = await errorOf({ filter: { limit: 0 } });
      assert.deepEqual([limit.extensions?.code, limit.extensions?.field], ['BAD_USER_INPUT', 'definition.filter.limit']);
      const risk = await errorOf({ filter: { limit: 5, minChurnRisk: 2 } });
      assert.deepEqual([risk.extensions?.code, risk.extensions?.field], ['BAD_USER_INPUT', 'definition.filter.minChurnRisk']);
      assert.equal(await app.services.db.prisma.audience.count(), before);
      const viewer = await graphQLErrors(
        app.clientWith(app.keys.viewer).request(gql`
          mutation {
            createAudience(name: "x", definition: { filter: { limit: 5 } }) {
              id
            }
          }
        `),
      );
      assert.equal(viewer[0]!.extensions?.code, 'FORBIDDEN');
      const badChange = await fetch(new URL(`/audiences/1/members.csv?change=SOME`, app.server.url), {
        headers: { authorization: `Bearer ${app.keys.marketer}` },
      });
      assert.equal(badChange.status, 400);
    });
  });
}
