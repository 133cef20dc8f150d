// The embed job end to end: real model, real database (PGlite and PostgreSQL), real vector store,
// driven over GraphQL and through the CLI (including a kill -9 half-way).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gql } from 'graphql-request';
import { createServices } from '../../src/app/services.js';
import { projectRoot } from '../../src/config/settings.js';
import { loadDemoShop, TRUTH_FILE } from '../../src/demo/demo-shop.js';
import { CUSTOMERS_ALIAS } from '../../src/indexing/customer-indexer.js';
import { CustomerProfiles, HABIT_FEATURES, VALUE_FEATURES } from '../../src/profiles/customer-profiles.js';
import { DEFAULT_VIEW_WEIGHTS, VIEWS } from '../../src/customer-vectors/customer-space.js';
import { PrismaTextVectorCache } from '../../src/customer-vectors/text-cache.js';
import { textKey, textWeights, TextVectors } from '../../src/customer-vectors/text-pool.js';
import type { StoredPoint } from '../../src/vectors/vector-store.js';
import { graphQLErrors, startTestApp, testSettings, type TestApp } from '../support/app.js';
import { databaseTargets, type DatabaseTarget } from '../support/databases.js';

const CUSTOMERS = 480;
const EMBED = gql`
  mutation ($onlyChanged: Boolean) {
    embedCustomers(onlyChanged: $onlyChanged) {
      id
      status
      total
    }
  }
`;
const JOB = gql`
  query ($id: ID!) {
    job(id: $id) {
      id
      kind
      status
      processed
      total
      progress
      ratePerSecond
      etaSeconds
      error
      result
    }
  }
`;

interface JobView {
  id: string;
  status: string;
  processed: number;
  total: number;
  progress: number;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  error: string | null;
  result: { embedded: number; pooled: number; written: number; unchanged: number; customers: number };
}

async function runEmbedJob(app: TestApp, onlyChanged = true): Promise<JobView> {
  const { embedCustomers } = await app.client.request<{ embedCustomers: { id: string } }>(EMBED, { onlyChanged });
  for (;;) {
    const { job } = await app.client.request<{ job: JobView }>(JOB, { id: embedCustomers.id });
    if (job.status !== 'QUEUED' && job.status !== 'RUNNING') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function allPoints(app: TestApp): Promise<StoredPoint[]> {
  const collection = (await app.services.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
  const points: StoredPoint[] = [];
  for await (const batch of app.services.vectors.scroll(collection, { withVectors: true, batchSize: 200 })) points.push(...batch);
  return points;
}

function meanCosines(points: StoredPoint[], group: (p: StoredPoint) => string, vector: 'text' | 'behaviour') {
  let intra = 0,
    ni = 0,
    inter = 0,
    nx = 0;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i]!.vectors![vector]!,
        b = points[j]!.vectors![vector]!;
      let dot = 0,
        na = 0,
        nb = 0;
      for (let k = 0; k < a.length; k++) {
        dot += a[k]! * b[k]!;
        na += a[k]! * a[k]!;
        nb += b[k]! * b[k]!;
      }
      const cos = dot / Math.sqrt(na * nb || 1);
      if (group(points[i]!) === group(points[j]!)) {
        intra += cos;
        ni++;
      } else {
        inter += cos;
        nx++;
      }
    }
  }
  return { intra: intra / ni, inter: inter / nx };
}

function embedSuite(target: DatabaseTarget) {
  describe(`embed job on ${target.name}`, () => {
    let app: TestApp;
    let truth: Map<string, string>;

    before(async () => {
      // Batches of 8: sixty progress steps to see (texts come from the cache, so each batch is quick).
      app = await startTestApp(target, { EMBED_BATCH_SIZE: '8' });
      const dir = path.join(app.services.settings.dataDir, 'demo');
      await loadDemoShop(app.services.ingest, { customers: CUSTOMERS, seed: 3 }, dir);
      truth = new Map(
        fs
          .readFileSync(path.join(dir, TRUTH_FILE), 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',') as [string, string]),
      );
    });
    after(() => app.close());

    test('embedCustomers runs as a job with progress; a second one meanwhile is a CONFLICT', async () => {
      const { embedCustomers } = await app.client.request<{ embedCustomers: { id: string; status: string; total: number } }>(EMBED, {});
      assert.ok(['QUEUED', 'RUNNING'].includes(embedCustomers.status), embedCustomers.status);
      const conflict = await graphQLErrors(app.client.request(EMBED, {}));
      assert.equal(conflict[0]!.extensions?.code, 'CONFLICT');
      let job: JobView;
      const seen = new Set<number>();
      do {
        ({ job } = await app.client.request<{ job: JobView }>(JOB, { id: embedCustomers.id }));
        seen.add(job.processed);
        await new Promise((r) => setTimeout(r, 50));
      } while (job.status === 'QUEUED' || job.status === 'RUNNING');
      assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
      assert.equal(job.total, CUSTOMERS);
      assert.equal(job.progress, 1);
      assert.equal(job.etaSeconds, 0);
      assert.ok(job.ratePerSecond! > 0);
      assert.ok(seen.size > 2, 'progress was reported along the way');
      assert.deepEqual([job.result.pooled, job.result.written, job.result.customers], [CUSTOMERS, CUSTOMERS, CUSTOMERS]);
      // Each distinct text once: the cache holds exactly what was embedded, far fewer than the customers' texts.
      const cachedTexts = await app.services.db.prisma.textEmbedding.count();
      assert.equal(job.result.embedded, cachedTexts);
      const profiles = new CustomerProfiles(app.services.db.prisma);
      const all = await profiles.build(await profiles.customerIds(0, CUSTOMERS), await profiles.asOf());
      const textCount = all.reduce((n, p) => n + p.texts.length, 0);
      assert.ok(cachedTexts < textCount / 2, `${cachedTexts} texts embedded for ${textCount} customer texts`);
      const missing = await graphQLErrors(app.client.request(JOB, { id: 'no-such-job' }));
      assert.equal(missing[0]!.extensions?.code, 'NOT_FOUND');
    });

    test('customers of the same persona are nearer each other: English text, and behaviour in Chinese', async () => {
      const points = await allPoints(app);
      assert.equal(points.length, CUSTOMERS);
      const persona = (p: StoredPoint) => truth.get(p.payload.customerId as string)!;
      const chinese = new Set(['China', 'Taiwan', 'Singapore', 'Hong Kong']);
      const english = points.filter((p) => !chinese.has(p.payload.country as string));
      const zh = points.filter((p) => chinese.has(p.payload.country as string));
      const text = meanCosines(english, persona, 'text');
      assert.ok(text.intra - text.inter > 0.25, `English text: intra ${text.intra.toFixed(3)} vs inter ${text.inter.toFixed(3)}`);
      const behaviour = meanCosines(zh, persona, 'behaviour');
      assert.ok(behaviour.intra - behaviour.inter > 0.2, `Chinese behaviour: intra ${behaviour.intra.toFixed(3)} vs inter ${behaviour.inter.toFixed(3)}`);
      for (const p of points) {
        assert.ok(Math.abs(Math.hypot(...p.vectors!.text!) - 1) < 1e-4);
        assert.ok(p.vectors!.combined!.every(Number.isFinite));
      }
    });

    test('the stored lexical vector is each customer relative to the shop: the shared direction taken out', async () => {
      const points = await allPoints(app);
      const index = await app.services.db.prisma.vectorIndex.findFirstOrThrow();
      const centre = (index.views as { lexical: { centre?: number[] } }).lexical.centre!;
      const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
      // Raw views share a direction (everyone's words are mostly the shop's goods)…
      assert.ok(norm(centre) > 0.3, `raw centre norm ${norm(centre)}`);
      // …the stored vectors do not: unit length around a mean near the origin.
      const dim = centre.length;
      const mean = new Float64Array(dim);
      for (const p of points) {
        const v = p.vectors!.lexical!;
        assert.ok(Math.abs(norm(v) - 1) < 1e-4);
        for (let j = 0; j < dim; j++) mean[j] = mean[j]! + v[j]! / points.length;
      }
      assert.ok(norm(mean) < norm(centre) / 3, `stored mean norm ${norm(mean)} vs raw ${norm(centre)}`);
    });

    test("combined balances five views: each one's share of the spread is its weight's share", async () => {
      assert.deepEqual(app.services.settings.viewWeights, DEFAULT_VIEW_WEIGHTS, "the configured default is the module's");
      const points = await allPoints(app);
      const first = points[0]!.vectors!;
      // combined = text, lexical, value, habits, mix, in VIEWS order (the raw lexical view, not the stored centred one).
      const sizes = {
        text: first.text!.length,
        lexical: first.lexical!.length,
        value: VALUE_FEATURES.length,
        habits: HABIT_FEATURES.length,
        mix: first.behaviour!.length - VALUE_FEATURES.length - HABIT_FEATURES.length,
      };
      assert.equal(
        first.combined!.length,
        VIEWS.reduce((n, v) => n + sizes[v], 0),
      );
      const variance: Record<string, number> = {};
      let offset = 0;
      for (const v of VIEWS) {
        let total = 0;
        for (let j = offset; j < offset + sizes[v]; j++) {
          let mean = 0,
            square = 0;
          for (const p of points) {
            const x = p.vectors!.combined![j]!;
            mean += x / points.length;
            square += (x * x) / points.length;
          }
          total += square - mean * mean;
        }
        variance[v] = total;
        offset += sizes[v];
      }
      const all = VIEWS.reduce((s, v) => s + variance[v]!, 0);
      // The weights in force: the defaults, each times its live share on this shop (recorded with the index).
      const balance = (await app.services.db.prisma.vectorIndex.findFirstOrThrow()).views as Record<string, { weight: number; liveShare?: number }>;
      for (const v of VIEWS) assert.ok(Math.abs(balance[v]!.weight - DEFAULT_VIEW_WEIGHTS[v] * (balance[v]!.liveShare ?? 1)) < 1e-12, v);
      const weights = VIEWS.reduce((s, v) => s + balance[v]!.weight, 0);
      // The text and lexical variances were measured on samples when the index was built (and the word
      // views less their scripts' offsets), hence the slack.
      for (const v of VIEWS) {
        const share = variance[v]! / all;
        const expected = balance[v]!.weight / weights;
        assert.ok(Math.abs(share - expected) < 0.25 * expected, `${v}: ${share.toFixed(3)} of the spread, weight share ${expected.toFixed(3)}`);
      }
    });

    test('re-running embeds nothing; changing one review embeds exactly that customer', async () => {
      const idle = await runEmbedJob(app);
      assert.deepEqual([idle.result.embedded, idle.result.written, idle.result.unchanged], [0, 0, CUSTOMERS]);
      const review = await app.services.db.prisma.review.findFirstOrThrow({ include: { customer: true }, orderBy: { id: 'asc' } });
      await app.services.ingest.upsert('reviews', [
        {
          id: review.externalId,
          customerId: review.customer.externalId,
          rating: 1,
          text: 'It fell apart after two days, very disappointed.',
          reviewedAt: review.reviewedAt,
        },
      ]);
      const once = await runEmbedJob(app);
      assert.deepEqual([once.result.embedded, once.result.written], [1, 1]);
      const collection = (await app.services.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
      const [point] = await app.services.vectors.retrieve(collection, [review.customerId]);
      const stored = await app.services.db.prisma.customerVector.findFirstOrThrow({ where: { customerId: review.customerId } });
      assert.equal(point!.payload.textHash, stored.textHash);
    });

    test('personal data is scrubbed before the text reaches the model', async () => {
      const customer = await app.services.db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'desc' } });
      await app.services.ingest.upsert('reviews', [
        {
          id: 'pii-review',
          customerId: customer.externalId,
          rating: 4,
          text: 'Write to me at john.smith@example.com or ring 07700 900123; card 4111-1111-1111-1111.',
          reviewedAt: new Date('2026-10-31T00:00:00Z'),
        },
      ]);
      const job = await runEmbedJob(app);
      assert.equal(job.result.embedded, 1);
      const embedder = await app.services.embedder();
      const profiles = new CustomerProfiles(app.services.db.prisma);
      const [profile] = await profiles.build([customer.id], await profiles.asOf());
      const texts = profile!.texts.map((t) => t.text).join(' | ');
      for (const secret of ['john.smith', 'example.com', '07700', '4111']) assert.ok(!texts.includes(secret), texts);
      assert.ok(texts.includes('[email]') && texts.includes('[phone]') && texts.includes('[card]'));
      // The cache holds the scrubbed text's vector, and no vector keyed by the raw text.
      const review = profile!.texts.find((t) => t.text.includes('[email]'))!.text;
      const prisma = app.services.db.prisma;
      assert.equal(await prisma.textEmbedding.count({ where: { hash: textKey(review) } }), 1);
      assert.equal(
        await prisma.textEmbedding.count({ where: { hash: textKey('Write to me at john.smith@example.com or ring 07700 900123; card 4111-1111-1111-1111') } }),
        0,
      );
      // The stored text vector is the pool of the scrubbed texts (from the cache, nothing embedded again).
      const pooled = await new TextVectors(embedder, new PrismaTextVectorCache(prisma)).pooled([textWeights(profile!.texts, await profiles.asOf())]);
      assert.equal(pooled.embedded, 0);
      const collection = (await app.services.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
      const [point] = await app.services.vectors.retrieve(collection, [customer.id], true);
      const cos = point!.vectors!.text!.reduce((s, x, i) => s + x * pooled.vectors[0]![i]!, 0);
      assert.ok(cos > 0.99999, `stored vector is the scrubbed texts' pool (cos ${cos})`);
    });
  });

  describe(`embed CLI killed half-way on ${target.name}`, () => {
    test('the second run finishes the job: every customer stored once, nothing corrupted', async () => {
      const db = await target.create();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embed-kill-'));
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, EMBED_BATCH_SIZE: '24', PROGRESS_INTERVAL_MS: '0', NODE_ENV: 'test' };
      if (db.settings.kind === 'postgresql') env.DATABASE_URL = db.settings.url;
      else delete env.DATABASE_URL;
      const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
      const generate = spawnSync(process.execPath, [cli, 'generate-demo', '--customers', '300', '--seed', '9'], { env, encoding: 'utf8' });
      assert.equal(generate.status, 0, generate.stderr);

      const child = spawn(process.execPath, [cli, 'embed'], { env });
      let stderr = '';
      const killedAt = await new Promise<number>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const done = [...stderr.matchAll(/\((\d+)\/300/g)].map((m) => Number(m[1]));
          const last = done[done.length - 1] ?? 0;
          if (last >= 96 && last < 300 && !child.killed) {
            child.kill('SIGKILL');
            resolve(last);
          }
        });
        child.on('exit', () => reject(new Error(`embed finished before it could be killed:\n${stderr}`)));
      }).finally(() => child.removeAllListeners('exit'));
      await new Promise((r) => child.once('close', r));
      assert.ok(killedAt < 300);

      const rerun = spawnSync(process.execPath, [cli, 'embed'], { env, encoding: 'utf8' });
      assert.equal(rerun.status, 0, rerun.stderr);
      const embedded = Number(/pooled (\d+) of 300 customers/.exec(rerun.stdout)?.[1]);
      // Resumed, not redone: at most what the progress line had not yet counted, and a batch. None at
      // all when the writes had run ahead of the last progress line the test read (a kill at 264 found
      // every point written, in a full run of the suite).
      assert.ok(Number.isInteger(embedded) && embedded <= 300 - killedAt + 24, `second run embedded ${embedded} after a kill at ${killedAt}`);

      const settings = db.settings.kind === 'pglite' ? { kind: 'pglite' as const, dir: path.join(dataDir, 'pglite') } : db.settings;
      const services = await createServices(testSettings(settings, { DATA_DIR: dataDir }));
      try {
        const collection = (await services.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
        const ids: number[] = [];
        for await (const batch of services.vectors.scroll(collection, { withVectors: true })) {
          for (const p of batch) {
            ids.push(p.id);
            assert.ok(
              Object.values(p.vectors!).every((v) => v.every(Number.isFinite)),
              `point ${p.id} has broken vectors`,
            );
          }
        }
        assert.equal(ids.length, 300);
        assert.equal(new Set(ids).size, 300);
        assert.equal(await services.db.prisma.customerVector.count(), 300);
        const again = spawnSync(process.execPath, [cli, 'embed'], { env, encoding: 'utf8' });
        assert.match(again.stdout, /pooled 0 of 300 customers .*\(0 new texts embedded/);
      } finally {
        await services.close();
        await db.drop();
      }
    });
  });
}

for (const target of databaseTargets()) embedSuite(target);
