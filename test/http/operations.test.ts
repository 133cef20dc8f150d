// What an operator sees of a running server, over HTTP on both databases: a request id on every
// answer and every log line (carried into the jobs a request starts), one JSON access line per
// request (operation, status, error code, key id, never the key), Prometheus metrics that move with
// the traffic and are not public, readiness apart from liveness, and API keys an admin manages over
// GraphQL (audited, a revoked or expired key refused on its next request, a smaller budget without one).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captureLogs } from '../../src/observability/log.js';
import { databaseTargets } from '../support/databases.js';
import { rawGraphQL, startTestApp, type TestApp } from '../support/app.js';

async function post(url: string, body: object, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    body: (await res.json()) as { data?: Record<string, unknown>; errors?: Array<{ extensions: { code: string } }> },
  };
}

/** The count of a histogram's series in Prometheus text, for the labels given. */
function histogramCount(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}_count{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

for (const target of databaseTargets()) {
  describe(`operations on ${target.name}`, () => {
    let app: TestApp;
    let base: string;
    before(async () => {
      app = await startTestApp(target, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '5', METRICS_TOKEN: 'scrape-token-123' });
      base = app.server.url.replace(/\/graphql$/, '');
    });
    after(async () => app?.close());

    test('a request id is echoed (the client’s when sane, else a new one) and one JSON access line is written per request', async () => {
      const logs = captureLogs('info');
      let given, made, bad;
      try {
        given = await post(
          app.server.url,
          { query: 'query ShopOverview { viewer { name } }' },
          { authorization: `Bearer ${app.keys.viewer}`, 'x-request-id': 'trace-abc.123' },
        );
        made = await post(app.server.url, { query: 'query Broken { segment(id: "x") { id } }' }, { authorization: `Bearer ${app.keys.viewer}` });
        bad = await post(app.server.url, { query: '{ __typename }' }, { 'x-request-id': 'has spaces and <angles>' });
      } finally {
        logs.stop();
      }
      assert.equal(given.requestId, 'trace-abc.123');
      assert.match(made.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.match(bad.requestId ?? '', /^[0-9a-f-]{36}$/, 'an unsafe id is replaced, not echoed');
      const access = logs.lines.filter((l) => l.component === 'http' && l.msg === 'request');
      const line = (id: string | null) => access.filter((l) => l.requestId === id);
      assert.equal(line(given.requestId).length, 1);
      const ok = line(given.requestId)[0]!;
      assert.equal(ok.operation, 'ShopOverview');
      assert.equal(ok.status, 200);
      assert.equal(ok.method, 'POST');
      assert.equal(ok.path, '/graphql');
      assert.equal(typeof ok.ms, 'number');
      assert.equal(typeof ok.keyId, 'number');
      assert.equal(ok.level, 'info');
      assert.match(String(ok.time), /^\d{4}-\d{2}-\d{2}T/);
      const failed = line(made.requestId)[0]!;
      assert.equal(failed.operation, 'Broken');
      assert.deepEqual(failed.errorCodes, [made.body.errors![0]!.extensions.code]);
      // Never the key, in any line.
      const all = JSON.stringify(logs.lines);
      for (const key of Object.values(app.keys)) assert.ok(!all.includes(key), 'a key was logged');
    });

    test('a job started by a request carries its id, and the job’s start and end lines name it', async () => {
      const logs = captureLogs('info');
      let jobId: string;
      try {
        const started = await post(
          app.server.url,
          { query: 'mutation { embedCustomers { id requestId } }' },
          { authorization: `Bearer ${app.keys.admin}`, 'x-request-id': 'embed-req-1' },
        );
        const job = started.body.data!.embedCustomers as { id: string; requestId: string };
        jobId = job.id;
        assert.equal(job.requestId, 'embed-req-1');
        await app.services.jobs.wait(jobId);
      } finally {
        logs.stop();
      }
      const jobLines = logs.lines.filter((l) => l.component === 'jobs' && l.jobId === jobId);
      assert.deepEqual(
        jobLines.map((l) => l.msg),
        ['job started', 'job ended'],
      );
      assert.ok(jobLines.every((l) => l.requestId === 'embed-req-1' && l.kind === 'embedCustomers'));
      assert.equal(jobLines[1]!.outcome, 'succeeded');
    });

    test('/metrics needs the token or an admin key, and its latency histograms move with the traffic', async () => {
      assert.equal((await fetch(`${base}/metrics`)).status, 401);
      assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${app.keys.viewer}` } })).status, 401);
      assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-123' } })).status, 401);
      const scrape = async (auth: string) => {
        const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${auth}` } });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        return res.text();
      };
      const first = await scrape('scrape-token-123');
      const labels = { route: 'graphql', operation: 'MetricsProbe', outcome: 'ok' };
      const n0 = histogramCount(first, 'segment_api_request_duration_seconds', labels);
      await Promise.all(
        Array.from({ length: 7 }, () =>
          post(app.server.url, { query: 'query MetricsProbe { viewer { role } }' }, { authorization: `Bearer ${app.keys.viewer}` }),
        ),
      );
      const second = await scrape(app.keys.admin);
      assert.equal(histogramCount(second, 'segment_api_request_duration_seconds', labels) - n0, 7);
      for (const name of [
        'segment_api_request_duration_seconds_bucket',
        'segment_api_job_duration_seconds_bucket',
        'segment_api_jobs{',
        'segment_api_database_query_duration_seconds_bucket',
        'segment_api_vector_store_duration_seconds_bucket',
        'segment_api_embedded_texts_total',
        'segment_api_rate_limit_refusals_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ]) {
        assert.ok(second.includes(name), `metrics include ${name}`);
      }
      assert.match(second, /segment_api_job_duration_seconds_count\{[^}]*kind="embedCustomers"[^}]*outcome="succeeded"[^}]*\} [1-9]/);
    });

    test('/healthz is liveness only; /readyz checks the database, its migrations, the vector store and its search indexes', async () => {
      const live = await fetch(`${base}/healthz`);
      assert.equal(live.status, 200);
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { status: string; checks: Array<{ name: string; ok: boolean; ms: number }> };
      assert.equal(body.status, 'ready');
      assert.deepEqual(
        body.checks.map((c) => [c.name, c.ok]),
        [
          ['database', true],
          ['migrations', true],
          ['vectorStore', true],
          ['searchIndex', true],
        ],
      );
    });

    test('keys over GraphQL: created (shown once), listed with last use, expired and revoked — refused on the next request — and every change audited', async () => {
      const admin = (query: string, variables?: Record<string, unknown>) => rawGraphQL(app.server.url, query, variables, app.keys.admin);
      const created = await admin(
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name role prefix expiresAt active lastUsedAt } } }',
        {
          input: { name: 'crm sync', role: 'MARKETER', expiresInDays: 30 },
        },
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const { key, apiKey } = created.body.data!.createApiKey as {
        key: string;
        apiKey: { id: string; prefix: string; expiresAt: string; active: boolean; lastUsedAt: null };
      };
      assert.ok(key.startsWith(apiKey.prefix));
      assert.equal(apiKey.active, true);
      assert.ok(Math.abs(Date.parse(apiKey.expiresAt) - (Date.now() + 30 * 86_400_000)) < 60_000);

      assert.equal((await rawGraphQL(app.server.url, '{ viewer { name role } }', undefined, key)).status, 200);
      const listed = await admin('{ apiKeys { id name role prefix lastUsedAt active } }');
      const mine = (listed.body.data!.apiKeys as Array<{ id: string; lastUsedAt: string | null; prefix: string }>).find((k) => k.id === apiKey.id);
      assert.ok(mine?.lastUsedAt, 'last use is recorded');
      assert.ok(!JSON.stringify(listed.body).includes(key), 'the secret is never listed');

      // Expired: a time already past stops it at once.
      const expire = await admin('mutation($id: ID!, $at: DateTimeISO) { setApiKeyExpiry(id: $id, expiresAt: $at) { active expiresAt } }', {
        id: apiKey.id,
        at: new Date(Date.now() - 1000).toISOString(),
      });
      assert.equal((expire.body.data!.setApiKeyExpiry as { active: boolean }).active, false, JSON.stringify(expire.body));
      const expired = await rawGraphQL(app.server.url, '{ viewer { name } }', undefined, key);
      assert.equal(expired.status, 401);
      assert.equal(expired.body.errors![0]!.extensions!.code, 'UNAUTHENTICATED');
      assert.match(expired.body.errors![0]!.message, /expired/);
      await admin('mutation($id: ID!) { setApiKeyExpiry(id: $id, expiresAt: null) { active } }', { id: apiKey.id });
      assert.equal((await rawGraphQL(app.server.url, '{ viewer { name } }', undefined, key)).status, 200, 'working again without an expiry');

      const revoked = await admin('mutation($id: ID!) { revokeApiKey(id: $id) { active revokedAt } }', { id: apiKey.id });
      assert.ok((revoked.body.data!.revokeApiKey as { revokedAt: string }).revokedAt);
      const refused = await rawGraphQL(app.server.url, '{ viewer { name } }', undefined, key);
      assert.equal(refused.status, 401);
      assert.match(refused.body.errors![0]!.message, /revoked/);

      // Only admins manage keys; an admin key cannot revoke itself; unknown ids and bad input say so.
      assert.equal((await rawGraphQL(app.server.url, '{ apiKeys { id } }', undefined, app.keys.marketer)).body.errors![0]!.extensions!.code, 'FORBIDDEN');
      const self = (await admin('{ apiKeys { id name } }')).body.data!.apiKeys as Array<{ id: string; name: string }>;
      const adminId = self.find((k) => k.name === 'test admin')!.id;
      const selfRevoke = await admin('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: adminId });
      assert.equal(selfRevoke.body.errors![0]!.extensions!.code, 'BAD_USER_INPUT');
      assert.deepEqual(selfRevoke.body.errors![0]!.path, ['revokeApiKey']);
      assert.equal((await admin('mutation { revokeApiKey(id: "424242") { id } }')).body.errors![0]!.extensions!.code, 'NOT_FOUND');
      const badName = await admin('mutation { createApiKey(input: { name: " ", role: VIEWER }) { key } }');
      assert.equal(badName.body.errors![0]!.extensions!.code, 'BAD_USER_INPUT');

      const audit = await admin('{ auditLog(first: 20) { entries { action target actor } } }');
      const actions = (audit.body.data!.auditLog as { entries: Array<{ action: string; target: string; actor: string }> }).entries.filter(
        (e) => e.target === `apiKey:${apiKey.id}`,
      );
      assert.deepEqual(
        actions.map((e) => e.action),
        ['revokeApiKey', 'setApiKeyExpiry', 'setApiKeyExpiry', 'createApiKey'],
      );
      assert.ok(actions.every((e) => e.actor.startsWith('test admin')));
    });

    test('requests without a key get a much smaller budget than a key', async () => {
      // The suite's earlier requests without a valid key (and with a revoked one, which counts as none)
      // have spent part of this address's budget of 5: the refusals start within 5 more.
      const anonymous = [];
      for (let i = 0; i < 8; i++) anonymous.push((await rawGraphQL(app.server.url, '{ __typename }')).status);
      const first429 = anonymous.indexOf(429);
      assert.ok(first429 >= 0 && first429 <= 5, `anonymous statuses ${anonymous.join(',')}`);
      assert.ok(
        anonymous.slice(first429).every((s) => s === 429),
        `anonymous statuses ${anonymous.join(',')}`,
      );
      // A key on the same address keeps its own, larger budget.
      for (let i = 0; i < 8; i++) assert.equal((await rawGraphQL(app.server.url, '{ __typename }', undefined, app.keys.viewer)).status, 200);
    });
  });
}
