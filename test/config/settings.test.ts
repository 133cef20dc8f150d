// loadSettings(env): every variable has a default (a fresh clone runs with none set), strings from the
// environment become typed settings, paths are resolved against the project root (not the working
// directory), and bad values stop start-up with one ConfigError naming every bad variable.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadSettings, projectRoot } from '../../src/config/settings.js';

const root = (...parts: string[]) => path.join(projectRoot, ...parts);

/** The ConfigError loadSettings throws for `env`, checked to name every variable in `variables`. */
function rejects(env: Record<string, string>, ...variables: string[]): string {
  let caught: unknown;
  try {
    loadSettings(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `${JSON.stringify(env)} should be rejected`);
  assert.ok(caught instanceof Error);
  assert.match(caught.message, /^Invalid configuration:\n/);
  for (const v of variables) assert.match(caught.message, new RegExp(`^  ${v}: `, 'm'), `names ${v}: ${caught.message}`);
  return caught.message;
}

describe('defaults', () => {
  test('an empty environment gives the documented defaults, under the project root', () => {
    // The project root is the folder of package.json, found from the compiled file's location.
    assert.ok(fs.existsSync(path.join(projectRoot, 'package.json')), projectRoot);
    const s = loadSettings({});
    assert.equal(s.env, 'development');
    assert.equal(s.dataDir, root('data'));
    assert.deepEqual(s.database, { kind: 'pglite', dir: root('data', 'pglite') });
    assert.equal(s.migrationsDir, root('prisma', 'migrations'));
    assert.deepEqual(s.http, {
      host: '127.0.0.1',
      port: 4000,
      introspection: true,
      dashboardDir: root('dist', 'web'),
      rateLimit: { points: 30_000, anonymousPoints: 600, windowSeconds: 60 },
      metricsToken: undefined,
      deadlineMs: 30_000,
      trustProxy: undefined,
      responseCacheBytes: 64 * 1024 * 1024,
    });
    assert.deepEqual(s.logging, { level: undefined, format: undefined });
    assert.deepEqual(s.tracing, { endpoint: undefined, serviceName: 'segment-api' });
    assert.deepEqual(s.ingest, { maxBatchSize: 10_000 });
    assert.equal(s.onlineRetailPath, path.resolve(projectRoot, '../shared/datasets/online-retail/online_retail.csv.gz'));
    assert.equal(s.chineseReviewsPath, path.resolve(projectRoot, '../shared/datasets/chinese-reviews-dev/reviews.csv.gz'));
    assert.deepEqual(s.demo, { customers: 2000, seed: 42, outputDir: root('data', 'demo') });
    assert.deepEqual(s.embedding, { modelsDir: root('models'), model: 'use-lite', modelDir: undefined, threads: undefined });
    assert.deepEqual(s.vectors, { kind: 'embedded', dir: root('data', 'vectors'), exactSearchLimit: 20_000 });
    assert.deepEqual(s.viewWeights, { text: 1, lexical: 1, value: 1, habits: 0.5, mix: 1 });
    assert.equal(s.embedBatchSize, 256);
    assert.equal(s.embedShardSize, 2000);
    assert.deepEqual(s.jobs, { workerInProcess: true, schedules: {} });
  });

  test('settings come from the env passed in, not from process.env', () => {
    const before = process.env.PORT;
    process.env.PORT = '1234';
    try {
      assert.equal(loadSettings({}).http.port, 4000);
    } finally {
      if (before === undefined) delete process.env.PORT;
      else process.env.PORT = before;
    }
  });
});

describe('each variable', () => {
  test('secrets from files: DATABASE_URL_FILE, QDRANT_API_KEY_FILE, METRICS_TOKEN_FILE (the variable itself wins)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const s = loadSettings({
      DATABASE_URL_FILE: write('db', 'postgresql://u:p@db:5432/x\n'),
      QDRANT_URL: 'http://qdrant:6333',
      QDRANT_API_KEY_FILE: write('qdrant', 'qk-123\n'),
      METRICS_TOKEN_FILE: write('metrics', 'mt-456'),
    });
    assert.deepEqual(s.database, { kind: 'postgresql', url: 'postgresql://u:p@db:5432/x' });
    assert.equal(s.vectors.kind === 'qdrant' && s.vectors.apiKey, 'qk-123');
    assert.equal(s.http.metricsToken, 'mt-456');
    assert.equal(loadSettings({ METRICS_TOKEN: 'direct', METRICS_TOKEN_FILE: path.join(dir, 'metrics') }).http.metricsToken, 'direct');
    assert.throws(
      () => loadSettings({ DATABASE_URL_FILE: path.join(dir, 'missing') }),
      (e: Error) => e instanceof ConfigError && /DATABASE_URL_FILE: cannot read .*missing \(ENOENT\)/.test(e.message),
    );
  });

  test('LOG_LEVEL, LOG_FORMAT and the budget without a key', () => {
    assert.deepEqual(loadSettings({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }).logging, { level: 'debug', format: 'json' });
    assert.throws(() => loadSettings({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.equal(loadSettings({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '60' }).http.rateLimit.anonymousPoints, 60);
    assert.deepEqual(loadSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'api-eu' }).tracing, {
      endpoint: 'http://collector:4318',
      serviceName: 'api-eu',
    });
    assert.throws(() => loadSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  test('NODE_ENV, HOST, GRAPHQL_INTROSPECTION, WORKER_IN_PROCESS', () => {
    assert.equal(loadSettings({ NODE_ENV: 'production' }).env, 'production');
    assert.equal(loadSettings({ NODE_ENV: 'test' }).env, 'test');
    assert.equal(loadSettings({ HOST: '0.0.0.0' }).http.host, '0.0.0.0');
    assert.equal(loadSettings({ GRAPHQL_INTROSPECTION: 'false' }).http.introspection, false);
    assert.equal(loadSettings({ WORKER_IN_PROCESS: 'false' }).jobs.workerInProcess, false);
  });

  test('numbers are parsed from their strings (surrounding spaces allowed)', () => {
    const s = loadSettings({
      PORT: ' 8080 ',
      MAX_BATCH_SIZE: '500',
      DEMO_CUSTOMERS: '8',
      DEMO_SEED: '-7',
      EMBEDDING_THREADS: '3',
      RATE_LIMIT_PER_MINUTE: '0',
      REQUEST_DEADLINE_MS: '1',
      EMBED_BATCH_SIZE: '10000',
      EMBED_SHARD_SIZE: '1',
    });
    assert.equal(s.http.port, 8080);
    assert.equal(s.ingest.maxBatchSize, 500);
    assert.deepEqual([s.demo.customers, s.demo.seed], [8, -7]);
    assert.equal(s.embedding.threads, 3);
    assert.deepEqual(s.http.rateLimit, { points: 0, anonymousPoints: 600, windowSeconds: 60 }); // 0: no limit
    assert.equal(s.http.deadlineMs, 1);
    assert.deepEqual([s.embedBatchSize, s.embedShardSize], [10_000, 1]);
    assert.equal(loadSettings({ PORT: '0' }).http.port, 0); // any free port (the tests use it)
  });

  test('DATABASE_URL selects PostgreSQL (trimmed); blank means PGlite', () => {
    assert.deepEqual(loadSettings({ DATABASE_URL: '  postgresql://u:p@db:5432/shop ' }).database, { kind: 'postgresql', url: 'postgresql://u:p@db:5432/shop' });
    assert.deepEqual(loadSettings({ DATABASE_URL: '   ' }).database, { kind: 'pglite', dir: root('data', 'pglite') });
    // PGLITE_DIR does not matter once DATABASE_URL is set.
    assert.equal(loadSettings({ DATABASE_URL: 'postgresql://db/x', PGLITE_DIR: 'memory://' }).database.kind, 'postgresql');
  });

  test('PGLITE_DIR: memory:// as is, a relative path from the project root, an absolute one unchanged', () => {
    assert.deepEqual(loadSettings({ PGLITE_DIR: 'memory://' }).database, { kind: 'pglite', dir: 'memory://' });
    assert.deepEqual(loadSettings({ PGLITE_DIR: 'var/db' }).database, { kind: 'pglite', dir: root('var', 'db') });
    assert.deepEqual(loadSettings({ PGLITE_DIR: '/srv/db' }).database, { kind: 'pglite', dir: '/srv/db' });
  });

  test('DATA_DIR moves everything derived from it; other paths resolve from the project root', () => {
    const s = loadSettings({
      DATA_DIR: '/tmp/shop-data',
      MODELS_DIR: 'm',
      EMBEDDING_MODEL: 'minilm',
      EMBEDDING_MODEL_DIR: '/opt/model',
      DASHBOARD_DIR: 'web/out',
      ONLINE_RETAIL_PATH: 'x.csv',
      CHINESE_REVIEWS_PATH: '/d/r.csv',
    });
    assert.equal(s.dataDir, '/tmp/shop-data');
    assert.deepEqual(s.database, { kind: 'pglite', dir: '/tmp/shop-data/pglite' });
    assert.deepEqual(s.vectors, { kind: 'embedded', dir: '/tmp/shop-data/vectors', exactSearchLimit: 20_000 });
    assert.equal(s.demo.outputDir, '/tmp/shop-data/demo');
    assert.deepEqual(s.embedding, { modelsDir: root('m'), model: 'minilm', modelDir: '/opt/model', threads: undefined });
    assert.equal(s.http.dashboardDir, root('web', 'out'));
    assert.equal(s.onlineRetailPath, root('x.csv'));
    assert.equal(s.chineseReviewsPath, '/d/r.csv');
    assert.equal(loadSettings({ DATA_DIR: 'elsewhere' }).dataDir, root('elsewhere'));
    // An empty DASHBOARD_DIR: no dashboard.
    assert.equal(loadSettings({ DASHBOARD_DIR: '' }).http.dashboardDir, undefined);
  });

  test('QDRANT_URL selects Qdrant, with its key and cluster settings; without it the embedded store', () => {
    assert.deepEqual(
      loadSettings({
        QDRANT_URL: 'http://q:6333',
        QDRANT_API_KEY: ' secret ',
        QDRANT_SHARDS: '3',
        QDRANT_REPLICATION_FACTOR: '2',
        QDRANT_WRITE_CONSISTENCY_FACTOR: '1',
      }).vectors,
      {
        kind: 'qdrant',
        url: 'http://q:6333',
        apiKey: 'secret',
        shards: 3,
        replicationFactor: 2,
        writeConsistencyFactor: 1,
      },
    );
    assert.deepEqual(loadSettings({ QDRANT_URL: 'http://q:6333' }).vectors, {
      kind: 'qdrant',
      url: 'http://q:6333',
      apiKey: undefined,
      shards: undefined,
      replicationFactor: undefined,
      writeConsistencyFactor: undefined,
    });
    assert.equal(loadSettings({ QDRANT_URL: ' ', QDRANT_SHARDS: '3' }).vectors.kind, 'embedded');
    assert.deepEqual(loadSettings({ VECTOR_EXACT_SEARCH_LIMIT: '500' }).vectors, { kind: 'embedded', dir: root('data', 'vectors'), exactSearchLimit: 500 });
  });

  test('TRUST_PROXY: a hop count becomes a number, anything else stays a (trimmed) string, blank is unset', () => {
    assert.equal(loadSettings({ TRUST_PROXY: '1' }).http.trustProxy, 1);
    assert.equal(loadSettings({ TRUST_PROXY: ' 2 ' }).http.trustProxy, 2);
    assert.equal(loadSettings({ TRUST_PROXY: 'loopback' }).http.trustProxy, 'loopback');
    assert.equal(loadSettings({ TRUST_PROXY: '10.0.0.0/8, 172.16.0.0/12' }).http.trustProxy, '10.0.0.0/8, 172.16.0.0/12');
    assert.equal(loadSettings({ TRUST_PROXY: '' }).http.trustProxy, undefined);
  });

  test('SCHEDULE_EMBED / SCHEDULE_SEGMENT: cron expressions; "off" is passed on (it removes a schedule); blank is none', () => {
    assert.deepEqual(loadSettings({ SCHEDULE_EMBED: '0 3 * * *', SCHEDULE_SEGMENT: ' */15 * * * * ' }).jobs.schedules, {
      embedCustomers: '0 3 * * *',
      runSegmentation: '*/15 * * * *',
    });
    assert.deepEqual(loadSettings({ SCHEDULE_SEGMENT: 'off' }).jobs.schedules, { runSegmentation: 'off' });
    assert.deepEqual(loadSettings({ SCHEDULE_EMBED: '', SCHEDULE_SEGMENT: '  ' }).jobs.schedules, {});
  });

  test('VIEW_WEIGHTS overrides the views it names; the others keep their defaults', () => {
    assert.deepEqual(loadSettings({ VIEW_WEIGHTS: 'text=2, habits=0 ,mix=0.25' }).viewWeights, { text: 2, lexical: 1, value: 1, habits: 0, mix: 0.25 });
    assert.deepEqual(loadSettings({ VIEW_WEIGHTS: ',,' }).viewWeights, { text: 1, lexical: 1, value: 1, habits: 0.5, mix: 1 });
    // Each call starts from the defaults (no state kept between calls).
    assert.equal(loadSettings({}).viewWeights.text, 1);
  });
});

describe('bad values', () => {
  test('numbers out of range, not numbers, or not integers are rejected, naming the variable', () => {
    rejects({ PORT: '65536' }, 'PORT');
    rejects({ PORT: '-1' }, 'PORT');
    rejects({ PORT: 'http' }, 'PORT');
    rejects({ PORT: '80.5' }, 'PORT');
    rejects({ MAX_BATCH_SIZE: '0' }, 'MAX_BATCH_SIZE');
    rejects({ MAX_BATCH_SIZE: '100001' }, 'MAX_BATCH_SIZE');
    rejects({ DEMO_CUSTOMERS: '7' }, 'DEMO_CUSTOMERS');
    rejects({ DEMO_SEED: 'forty-two' }, 'DEMO_SEED');
    rejects({ EMBEDDING_THREADS: '0' }, 'EMBEDDING_THREADS');
    rejects({ QDRANT_SHARDS: '0' }, 'QDRANT_SHARDS');
    rejects({ RATE_LIMIT_PER_MINUTE: '-5' }, 'RATE_LIMIT_PER_MINUTE');
    rejects({ REQUEST_DEADLINE_MS: '0' }, 'REQUEST_DEADLINE_MS');
    rejects({ EMBED_BATCH_SIZE: '10001' }, 'EMBED_BATCH_SIZE');
    rejects({ EMBED_SHARD_SIZE: '1000001' }, 'EMBED_SHARD_SIZE');
  });

  test('enumerations accept only their values (case matters)', () => {
    rejects({ NODE_ENV: 'staging' }, 'NODE_ENV');
    rejects({ GRAPHQL_INTROSPECTION: 'TRUE' }, 'GRAPHQL_INTROSPECTION');
    rejects({ GRAPHQL_INTROSPECTION: '1' }, 'GRAPHQL_INTROSPECTION');
    rejects({ WORKER_IN_PROCESS: 'no' }, 'WORKER_IN_PROCESS');
  });

  test('a schedule that is not a cron expression is rejected with the value quoted', () => {
    const message = rejects({ SCHEDULE_EMBED: 'every night' }, 'SCHEDULE_EMBED');
    assert.match(message, /"every night" is not a cron expression/);
    rejects({ SCHEDULE_SEGMENT: '0 25 * * *' }, 'SCHEDULE_SEGMENT'); // hour 25
  });

  test('VIEW_WEIGHTS: an unknown view, a negative or non-numeric weight, a missing or empty weight, a second "=" or an inherited name (toString) is rejected', () => {
    for (const bad of ['words=1', 'text=-1', 'text=lots', 'text', 'text=1,value=Infinity', 'toString=1', 'text=', 'text=1=2']) {
      const message = rejects({ VIEW_WEIGHTS: bad }, 'VIEW_WEIGHTS');
      assert.match(message, /expected text\|lexical\|value\|habits\|mix=<number ≥ 0>/, bad);
    }
  });

  test('every bad variable is reported at once, one line each', () => {
    const message = rejects(
      { PORT: 'x', NODE_ENV: 'qa', SCHEDULE_SEGMENT: 'soon', VIEW_WEIGHTS: 'foo=1', DEMO_CUSTOMERS: '1' },
      'PORT',
      'NODE_ENV',
      'SCHEDULE_SEGMENT',
      'VIEW_WEIGHTS',
      'DEMO_CUSTOMERS',
    );
    assert.equal(message.split('\n').length, 1 + 5, message);
  });

  test('an empty numeric variable keeps its default', () => {
    // As for the string variables (optionalString), a variable set but empty (`PORT=` in a compose file) is unset.
    assert.equal(loadSettings({ PORT: '' }).http.port, 4000);
    assert.equal(loadSettings({ RATE_LIMIT_PER_MINUTE: '' }).http.rateLimit.points, 30_000);
  });
});
