// Deliveries over real HTTP on both databases: audience versions POSTed to a local receiver in signed
// pages (checked here with node's own HMAC, not the product's), a page answered 500 sent again under
// the same idempotency key, a slow 200 never sent twice, a destination that keeps failing paused and
// skipped, files written for pick-up — and no customer without consent in any body or file.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gql } from 'graphql-request';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { graphQLErrors, startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { until } from '../support/until.js';

const idle = { signal: new AbortController().signal, progress: () => {} };

interface Received {
  path: string;
  status: number;
  key: string;
  signature: string;
  body: string;
  json: { type: string; version: number; members?: { customerId: string }[]; counts?: Record<string, number> };
}

/** A webhook receiver: per path, how to answer the n-th request (status, delay). */
class Receiver {
  readonly received: Received[] = [];
  private readonly counts = new Map<string, number>();
  private server!: http.Server;
  url = '';
  constructor(private readonly answer: (path: string, n: number) => { status: number; delayMs?: number; bodyBytes?: number }) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const p = req.url ?? '/';
        const n = (this.counts.get(p) ?? 0) + 1;
        this.counts.set(p, n);
        const { status, delayMs = 0, bodyBytes } = this.answer(p, n);
        const body = Buffer.concat(chunks).toString('utf8');
        setTimeout(() => {
          this.received.push({
            path: p,
            status,
            key: String(req.headers['idempotency-key']),
            signature: String(req.headers['segment-signature']),
            body,
            json: JSON.parse(body) as Received['json'],
          });
          // The sender may hang up before the answer is written (a timeout, or a body it does not read).
          res.on('error', () => {});
          res.writeHead(status).end(bodyBytes ? Buffer.alloc(bodyBytes, 'x') : status === 200 ? 'ok' : 'try later');
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(p: string): Received[] {
    return this.received.filter((r) => r.path === p);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The receiver's check, written from the documented header format with node's HMAC. */
function signatureHolds(secret: string, header: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  return m !== null && createHmac('sha256', secret).update(`${m[1]}.${body}`).digest('hex') === m[2];
}

interface DeliveryView {
  id: string;
  status: string;
  attempts: number;
  pagesSent: number;
  membersSent: number;
  lastError: string | null;
  destination: { id: string; paused: boolean } | null;
}

for (const target of databaseTargets()) {
  describe(`audience deliveries on ${target.name}`, () => {
    let app: TestApp;
    let receiver: Receiver;
    let members: string[];
    let segmentId: string;
    let downFixed = false;

    const deliveriesOf = async (audienceId: string, version: number) =>
      (
        await app.clientWith(app.keys.marketer).request<{ audience: { versionOf: { deliveries: DeliveryView[] } | null } }>(
          gql`
            query ($id: ID!, $version: Int!) {
              audience(id: $id) {
                versionOf(version: $version) {
                  deliveries {
                    id
                    status
                    attempts
                    pagesSent
                    membersSent
                    lastError
                    destination {
                      id
                      paused
                    }
                  }
                }
              }
            }
          `,
          { id: audienceId, version },
        )
      ).audience.versionOf!.deliveries;
    const settled = (audienceId: string, version: number, count: number) =>
      until(`deliveries of version ${version}`, async () => {
        const ds = await deliveriesOf(audienceId, version);
        return ds.length === count && ds.every((d) => ['DELIVERED', 'FAILED', 'SKIPPED'].includes(d.status)) ? ds : undefined;
      });
    const webhook = async (name: string, p: string, pageSize: number) =>
      (
        await app.client.request<{ createWebhookDestination: { destination: { id: string }; secret: string } }>(
          gql`
            mutation ($name: String!, $url: String!, $pageSize: Int!) {
              createWebhookDestination(name: $name, url: $url, pageSize: $pageSize) {
                destination {
                  id
                }
                secret
              }
            }
          `,
          { name, url: receiver.url + p, pageSize },
        )
      ).createWebhookDestination;
    const attach = (audienceId: string, destinationId: string) =>
      app.clientWith(app.keys.marketer).request(
        gql`
          mutation ($a: ID!, $d: ID!) {
            attachDestination(audienceId: $a, destinationId: $d) {
              id
            }
          }
        `,
        { a: audienceId, d: destinationId },
      );
    const refresh = async (audienceId: string) => {
      const { refreshAudience } = await app.clientWith(app.keys.marketer).request<{ refreshAudience: { id: string } }>(
        gql`
          mutation ($id: ID!) {
            refreshAudience(id: $id) {
              id
            }
          }
        `,
        { id: audienceId },
      );
      await until('the refresh', async () => ((await app.services.jobs.get(refreshAudience.id)).status === 'SUCCEEDED' ? true : undefined));
    };
    const audienceFor = async (name: string, country: string) =>
      (
        await app.clientWith(app.keys.marketer).request<{ createAudience: { id: string; size: number } }>(
          gql`
            mutation ($name: String!, $segment: ID!, $country: String!) {
              createAudience(name: $name, definition: { filter: { segments: [$segment], countries: [$country], limit: 1000 } }) {
                id
                size
              }
            }
          `,
          { name, segment: segmentId, country },
        )
      ).createAudience;

    before(async () => {
      receiver = new Receiver((p, n) => {
        if (p === '/flaky') return { status: n === 2 ? 500 : 200 };
        if (p === '/late') return { status: 200, delayMs: 1200 };
        if (p === '/down') return { status: downFixed ? 200 : 500 };
        // Hangs past the timeout once, then answers.
        if (p === '/hang') return { status: 200, delayMs: n === 1 ? 7000 : 0 };
        // Answers 10 MB, first with an error, then with success.
        if (p === '/huge') return { status: n === 1 ? 500 : 200, bodyBytes: 10 * 1024 * 1024 };
        return { status: 200 };
      });
      await receiver.start();
      app = await startTestApp(target, {
        AUDIENCE_TICK_MS: '100',
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_MAX_ATTEMPTS: '3',
        DESTINATION_PAUSE_AFTER: '1',
        WEBHOOK_TIMEOUT_MS: '5000',
        // The receiver is on this machine.
        WEBHOOK_ALLOW_PRIVATE: 'true',
      });
      await loadDemoShop(app.services.ingest, { customers: 300, seed: 11 }, path.join(app.services.settings.dataDir, 'demo'));
      await (await app.services.indexer()).run(idle);
      await app.services.segments.run(idle, { k: 3, seed: 1 });
      const segments = await app.services.catalog.segments();
      const largest = segments.reduce((a, b) => (b.size > a.size ? b : a));
      segmentId = String(largest.id);
      const page = await app.services.catalog.members(largest.id, { first: 500, orderBy: 'DISTANCE' });
      members = (await app.services.customers.byIds(page.rows.map((r) => r.customerId))).map((c) => c.externalId);
      assert.ok(members.length >= 40);
    });
    after(async () => {
      await app.close();
      await receiver.close();
    });

    test('signed pages, each received once; a 500 is retried under the same key; a slow 200 is not resent; the diff and consent hold', async () => {
      const inside = members.slice(0, 20);
      await app.services.ingest.upsert(
        'customers',
        inside.map((id) => ({ id, country: 'Webland' })),
      );
      const audience = await audienceFor('Webland', 'Webland');
      assert.equal(audience.size, 20);
      const flaky = await webhook('flaky', '/flaky', 7);
      const late = await webhook('late', '/late', 50);
      await attach(audience.id, flaky.destination.id);
      await attach(audience.id, late.destination.id);
      const v1 = await settled(audience.id, 1, 2);
      assert.ok(
        v1.every((d) => d.status === 'DELIVERED'),
        JSON.stringify(v1),
      );

      const flakyPages = receiver.on('/flaky');
      assert.ok(flakyPages.every((r) => signatureHolds(flaky.secret, r.signature, r.body)));
      assert.ok(!flakyPages.some((r) => signatureHolds(late.secret, r.signature, r.body)), 'a page verifies under another destination’s secret');
      // 20 members in pages of 7: three pages and the closing one; the second answered 500 once, then resent.
      assert.equal(flakyPages.length, 5);
      assert.equal(flakyPages[1]!.status, 500);
      assert.equal(flakyPages[2]!.key, flakyPages[1]!.key, 'the resend carries the same idempotency key');
      assert.equal(flakyPages[2]!.body.length > 0 && flakyPages[2]!.status, 200);
      const accepted = flakyPages.filter((r) => r.status === 200);
      assert.equal(new Set(accepted.map((r) => r.key)).size, accepted.length, 'an acknowledged page came again');
      assert.deepEqual(new Set(accepted.flatMap((r) => r.json.members ?? []).map((m) => m.customerId)), new Set(inside));
      assert.equal(accepted.at(-1)!.json.type, 'audience.version.complete');
      const flakyDelivery = v1.find((d) => d.destination?.id === flaky.destination.id)!;
      assert.deepEqual([flakyDelivery.attempts, flakyDelivery.pagesSent, flakyDelivery.membersSent], [1, 4, 20]);

      const latePages = receiver.on('/late');
      assert.equal(latePages.length, 2, 'a slow 200 was sent again');
      assert.ok(latePages.every((r) => r.status === 200 && signatureHolds(late.secret, r.signature, r.body)));

      // The change between versions: five join, four leave; one of the joiners has said no to marketing.
      const [joining, leaving, refusing] = [members.slice(20, 25), members.slice(0, 4), members[24]!];
      await app.services.ingest.upsert('customers', [
        ...joining.map((id) => ({ id, country: 'Webland', ...(id === refusing ? { marketingConsent: false } : {}) })),
        ...leaving.map((id) => ({ id, country: 'Elsewhere' })),
      ]);
      const before = receiver.on('/flaky').length;
      await refresh(audience.id);
      const v2 = await settled(audience.id, 2, 2);
      assert.ok(v2.every((d) => d.status === 'DELIVERED'));
      const second = receiver.on('/flaky').slice(before);
      assert.ok(second.every((r) => r.status === 200 && r.json.version === 2 && signatureHolds(flaky.secret, r.signature, r.body)));
      const added = second.filter((r) => r.json.type === 'audience.members.added').flatMap((r) => r.json.members!.map((m) => m.customerId));
      const removed = second.filter((r) => r.json.type === 'audience.members.removed').flatMap((r) => r.json.members!.map((m) => m.customerId));
      assert.deepEqual(new Set(added), new Set(joining.filter((id) => id !== refusing)));
      assert.deepEqual(new Set(removed), new Set(leaving));
      const complete = second.at(-1)!.json;
      assert.deepEqual(complete.counts, { size: 20, heldBack: 1, added: 4, removed: 4, unchanged: 16 });
      assert.ok(!receiver.received.some((r) => r.body.includes(`"${refusing}"`)), 'a customer without consent left in a webhook body');
    });

    test('a destination that keeps failing: retried with backoff, failed, paused, skipped; resumed and retried by hand', async () => {
      const inside = members.slice(30, 36);
      await app.services.ingest.upsert(
        'customers',
        inside.map((id) => ({ id, country: 'Downland' })),
      );
      const audience = await audienceFor('Downland', 'Downland');
      const down = await webhook('down', '/down', 100);
      await attach(audience.id, down.destination.id);
      const [failed] = await settled(audience.id, 1, 1);
      assert.equal(failed!.status, 'FAILED');
      assert.equal(failed!.attempts, 3);
      assert.match(failed!.lastError ?? '', /HTTP 500/);
      assert.equal(failed!.destination?.paused, true);
      assert.equal(receiver.on('/down').length, 3);

      await refresh(audience.id);
      const [skipped] = await settled(audience.id, 2, 1);
      assert.equal(skipped!.status, 'SKIPPED');
      assert.equal(receiver.on('/down').length, 3, 'a paused destination received a page');

      downFixed = true;
      await app.client.request(
        gql`
          mutation ($id: ID!) {
            resumeDestination(id: $id) {
              paused
            }
          }
        `,
        { id: down.destination.id },
      );
      await app.clientWith(app.keys.marketer).request(
        gql`
          mutation ($id: ID!) {
            retryDelivery(id: $id) {
              status
            }
          }
        `,
        { id: skipped!.id },
      );
      const [delivered] = await settled(audience.id, 2, 1);
      assert.equal(delivered!.status, 'DELIVERED');
      assert.equal(delivered!.destination?.paused, false);
    });

    test('a receiver that hangs, one that answers 10 MB, one that is not there: bounded attempts, clear errors, nothing twice', async () => {
      const inside = members.slice(36, 40);
      await app.services.ingest.upsert(
        'customers',
        inside.map((id) => ({ id, country: 'Hostland' })),
      );
      const audience = await audienceFor('Hostland', 'Hostland');
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const hang = await webhook('hang', '/hang', 100);
      const huge = await webhook('huge', '/huge', 100);
      const { createWebhookDestination: gone } = await app.client.request<{ createWebhookDestination: { destination: { id: string } } }>(
        gql`
          mutation ($url: String!) {
            createWebhookDestination(name: "gone", url: $url) {
              destination {
                id
              }
            }
          }
        `,
        { url: `http://127.0.0.1:${closedPort}/hook` },
      );
      for (const d of [hang, huge]) await attach(audience.id, d.destination.id);
      await attach(audience.id, gone.destination.id);
      const deliveries = await settled(audience.id, 1, 3);
      const of = (id: string) => deliveries.find((d) => d.destination?.id === id)!;

      // The hung page timed out and was sent again under its key; the receiver holds each page once by key.
      assert.deepEqual([of(hang.destination.id).status, of(hang.destination.id).attempts], ['DELIVERED', 1]);
      const hangPages = await until('the hung page to be answered', async () => (receiver.on('/hang').length === 3 ? receiver.on('/hang') : undefined), 15_000);
      assert.equal(new Set(hangPages.map((r) => r.key)).size, 2, 'only the unanswered page came twice');
      assert.deepEqual(
        hangPages.filter((r) => r.json.type === 'audience.members.added').map((r) => r.json.members!.length),
        [4, 4],
      );

      // A 10 MB error answer: read only as far as saying why, then retried; a 10 MB success not read at all.
      assert.deepEqual([of(huge.destination.id).status, of(huge.destination.id).attempts], ['DELIVERED', 1]);
      assert.equal(receiver.on('/huge').length, 3);

      // Nobody listening: every attempt refused, the delivery failed with why, the destination paused.
      const refused = of(gone.destination.id);
      assert.deepEqual([refused.status, refused.attempts, refused.pagesSent], ['FAILED', 3, 0]);
      assert.match(refused.lastError ?? '', /ECONNREFUSED/);
      assert.equal(refused.destination?.paused, true);
    });

    test('file destinations: the version and its diff as CSV, a manifest last; bad destinations refused', async () => {
      const inside = members.slice(40, 46);
      await app.services.ingest.upsert(
        'customers',
        inside.map((id, i) => ({ id, country: 'Fileland', ...(i === 0 ? { marketingConsent: false } : {}) })),
      );
      const audience = await audienceFor('Fileland', 'Fileland');
      const { createFileDestination } = await app.client.request<{ createFileDestination: { id: string; directory: string } }>(gql`
        mutation {
          createFileDestination(name: "sftp drop", directory: "partners/acme", format: CSV) {
            id
            directory
          }
        }
      `);
      await attach(audience.id, createFileDestination.id);
      const [delivery] = await settled(audience.id, 1, 1);
      assert.equal(delivery!.status, 'DELIVERED');
      const dir = path.join(app.services.settings.deliveries.filesRoot, 'partners', 'acme', `audience-${audience.id}`);
      const ids = (file: string) =>
        fs
          .readFileSync(path.join(dir, file), 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((l) => l.split(',')[1]);
      assert.deepEqual(new Set(ids('v1.csv')), new Set(inside.slice(1)));
      assert.deepEqual(new Set(ids('v1-added.csv')), new Set(inside.slice(1)));
      assert.deepEqual(ids('v1-removed.csv'), []);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'v1.json'), 'utf8')) as { members: number; version: number };
      assert.deepEqual([manifest.version, manifest.members], [1, 5]);
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.includes('partial')),
        [],
      );

      const refused = async (mutation: string) => (await graphQLErrors(app.client.request(mutation)))[0]!;
      const outside = await refused(`mutation { createFileDestination(name: "x", directory: "../../etc") { id } }`);
      assert.deepEqual([outside.extensions?.code, outside.extensions?.field], ['BAD_USER_INPUT', 'directory']);
      const plain = await refused(`mutation { createWebhookDestination(name: "x", url: "http://example.com/hook") { secret } }`);
      assert.deepEqual([plain.extensions?.code, plain.extensions?.field], ['BAD_USER_INPUT', 'url']);
      const page = await refused(`mutation { createWebhookDestination(name: "x", url: "https://example.com/hook", pageSize: 0) { secret } }`);
      assert.deepEqual([page.extensions?.code, page.extensions?.field], ['BAD_USER_INPUT', 'pageSize']);
      const marketer = await graphQLErrors(
        app.clientWith(app.keys.marketer).request(`mutation { createWebhookDestination(name: "x", url: "https://example.com/hook") { secret } }`),
      );
      assert.equal(marketer[0]!.extensions?.code, 'FORBIDDEN');
    });
  });
}

describe('webhook addresses and schedules with the default settings', () => {
  let app: TestApp;
  let receiver: Receiver;
  before(async () => {
    receiver = new Receiver(() => ({ status: 200 }));
    await receiver.start();
    app = await startTestApp(databaseTargets()[0]!);
  });
  after(async () => {
    await app.close();
    await receiver.close();
  });

  test('private, loopback and link-local addresses are refused at creation and when sending; a schedule every second is refused', async () => {
    const error = async (url: string) =>
      (
        await graphQLErrors(
          app.client.request(
            gql`
              mutation ($url: String!) {
                createWebhookDestination(name: "inside", url: $url) {
                  secret
                }
              }
            `,
            { url },
          ),
        )
      )[0]!;
    for (const url of ['https://10.1.2.3/hook', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/hook', 'https://localhost/hook', receiver.url]) {
      const e = await error(url);
      assert.deepEqual([e.extensions?.code, e.extensions?.field], ['BAD_USER_INPUT', 'url'], url);
      assert.match(e.message, /non-public/);
    }
    assert.equal(await app.services.db.prisma.destination.count(), 0);

    // A destination saved when it was allowed, sent to after it no longer is: the connection is refused.
    const { Destinations } = await import('../../src/destinations/destinations.js');
    const permissive = new Destinations(app.services.db.prisma, app.services.audiences, { ...app.services.settings.deliveries, allowPrivate: true });
    // By name: the address is refused by the connection's own lookup, not by a check of the URL's text.
    const saved = await permissive.createWebhook('was allowed', receiver.url.replace('127.0.0.1', 'localhost') + '/inside', 10, 'test');
    const created = await app.client.request<{ createAudience: { id: string } }>(gql`
      mutation {
        createAudience(name: "anyone", definition: { filter: { limit: 5 } }) {
          id
        }
      }
    `);
    await app.client.request(
      gql`
        mutation ($a: ID!, $d: ID!) {
          attachDestination(audienceId: $a, destinationId: $d) {
            id
          }
        }
      `,
      { a: created.createAudience.id, d: String(saved.destination.id) },
    );
    const [delivery] = await until('the delivery', async () => {
      const ds = await app.services.destinations.deliveriesOf(Number(created.createAudience.id), 1);
      return ds.length === 1 && ds[0]!.attempts > 0 ? ds : undefined;
    });
    assert.match(delivery!.lastError ?? '', /non-public address/);
    assert.equal(receiver.received.length, 0);

    const every = await graphQLErrors(
      app.client.request(gql`
        mutation {
          createAudience(name: "busy", definition: { filter: { limit: 5 } }, schedule: "* * * * * *") {
            id
          }
        }
      `),
    );
    assert.deepEqual([every[0]!.extensions?.code, every[0]!.extensions?.field], ['BAD_USER_INPUT', 'schedule']);
    assert.match(every[0]!.message, /1 s apart/);
    const never = await graphQLErrors(
      app.client.request(gql`
        mutation {
          createAudience(name: "never", definition: { filter: { limit: 5 } }, schedule: "0 0 31 4,6 *") {
            id
          }
        }
      `),
    );
    assert.deepEqual([never[0]!.extensions?.code, never[0]!.extensions?.field], ['BAD_USER_INPUT', 'schedule']);
    assert.match(never[0]!.message, /never fires/);
    const hourly = await app.client.request<{ setAudienceSchedule: { schedule: string } }>(
      gql`
        mutation ($id: ID!) {
          setAudienceSchedule(id: $id, schedule: "0 * * * *") {
            schedule
          }
        }
      `,
      { id: created.createAudience.id },
    );
    assert.equal(hourly.setAudienceSchedule.schedule, '0 * * * *');
  });
});
