// `npm run bench:live`: changes reflected while they stream in. A server process (`node dist/src/cli.js
// serve`, the embedded defaults: PGlite + embedded store, live updates on) over a prepared demo shop
// (BENCH_LIVE_CUSTOMERS, 2,000 by default). First BENCH_LIVE_READERS (4) dashboard clients read as
// fast as they can for 10 s on the idle server (the baseline); then, for BENCH_LIVE_SECONDS (30),
// BENCH_LIVE_RATE events a second (200) go through the GraphQL ingest mutations, sent every
// BENCH_LIVE_TICK_MS (100) as one batch per kind — orders (60 %), searches (25 %, new words each),
// reviews (15 %), for random customers, dated after the shop's last order — while the readers go on.
// Every BENCH_LIVE_SAMPLE-th event is watched: one watcher reads all waiting customers every 100 ms
// (twenty to a request) until none of their accepted changes waits (`pendingChanges` 0: vectors,
// segment and value updated) and, for an order, it shows in `value.repeatPurchases`. Prints the time
// from the write's answer to that, the server's live rounds (read from its debug log), and the
// readers' latency during the stream against the baseline. BENCH_LIVE_DATABASE=postgresql runs the same
// against a fresh database on the PostgreSQL server of TEST_DATABASE_URL (scripts/postgres.sh when unset):
// there the database works in its own processes, beside the server's one thread.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings, projectRoot } from '../src/config/settings.js';
import { loadDemoShop } from '../src/demo/demo-shop.js';
import { mulberry32 } from '../src/demo/random.js';
import { databaseTargets } from '../test/support/databases.js';

const CUSTOMERS = Number(process.env.BENCH_LIVE_CUSTOMERS ?? 2000);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 200);
const SAMPLE = Number(process.env.BENCH_LIVE_SAMPLE ?? 10);
const READERS = Number(process.env.BENCH_LIVE_READERS ?? 4);
const READ_SECONDS = 10;
/** How often a watched customer is read (the visibility figures' resolution). */
const POLL_MS = 100;
/** Events are sent in batches this often (one mutation per kind of record). */
const TICK_MS = Number(process.env.BENCH_LIVE_TICK_MS ?? 100);
const idle = { signal: new AbortController().signal, progress: () => {} };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-live-'));
const DATABASE = process.env.BENCH_LIVE_DATABASE ?? 'pglite';
if (DATABASE !== 'pglite' && DATABASE !== 'postgresql') throw new Error(`BENCH_LIVE_DATABASE is pglite or postgresql, not ${DATABASE}`);
if (DATABASE === 'postgresql' && !process.env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
}
const target = databaseTargets().find((t) => t.name === DATABASE);
if (!target) throw new Error('BENCH_LIVE_DATABASE=postgresql needs TEST_DATABASE_URL (or scripts/postgres.sh)');
const database = await target.create();
// Dropped however the bench ends, a server that fails to start included.
try {
  const { DATABASE_URL: _db, QDRANT_URL: _qdrant, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    ...(database.settings.kind === 'postgresql' ? { DATABASE_URL: database.settings.url } : {}),
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    PORT: '0',
    LIVE_UPDATES: 'true',
  };
  // The server logs each live round at debug level: read here for the rounds' table.
  const serverEnv: NodeJS.ProcessEnv = { ...env, LOG_LEVEL: 'debug' };
  interface RoundLine {
    customers: number;
    written: number;
    ms: { feed: number; vectors: number; values: number; acknowledge: number };
  }
  const rounds: RoundLine[] = [];
  let started = performance.now();
  const prepared = await createServices(loadSettings(env));
  await loadDemoShop(prepared.ingest, { customers: CUSTOMERS, seed: 7 }, path.join(dataDir, 'demo'));
  await (await prepared.indexer()).run(idle);
  await prepared.segments.run(idle, {});
  const { key } = await prepared.apiKeys.create('live bench', 'ADMIN');
  const customers = (await prepared.db.prisma.customer.findMany({ select: { externalId: true }, orderBy: { id: 'asc' } })).map((c) => c.externalId);
  const products = (await prepared.db.prisma.product.findMany({ select: { externalId: true, title: true } })).map((p) => p);
  const lastOrder = (await prepared.db.prisma.order.aggregate({ _max: { placedAt: true } }))._max.placedAt!;
  const texts = (await prepared.db.prisma.review.findMany({ select: { text: true }, take: 2000 })).map((r) => r.text);
  await prepared.close();
  console.log(`prepared ${CUSTOMERS} customers in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  // BENCH_LIVE_PROFILE=<dir>: the server's CPU profile, written there when it stops.
  const profile = process.env.BENCH_LIVE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_LIVE_PROFILE] : [];
  const server = spawn(process.execPath, [...profile, path.join(projectRoot, 'dist', 'src', 'cli.js'), 'serve'], {
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let partial = '';
    server.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        // The server's warnings and errors, shown (its request log is not); its live rounds, kept.
        if (/"level":"(warn|error|fatal)"/.test(line)) console.error(line.slice(0, 500));
        if (line.includes('"live update round"')) rounds.push(JSON.parse(line) as RoundLine);
        const m = /ready at (\S+)/.exec(line);
        if (m) resolve(m[1]!);
        else if (out.length < 100_000) out += line + '\n';
      }
    });
    server.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data!;
  }

  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  };

  /** A dashboard reader: the segments list and a customer with similar customers, in turn, until `stop`. */
  async function readers(stop: () => boolean): Promise<number[]> {
    const times: number[] = [];
    const rng = mulberry32(3);
    await Promise.all(
      Array.from({ length: READERS }, async (_, r) => {
        for (let i = 0; !stop(); i++) {
          const t = performance.now();
          if ((i + r) % 2 === 0) await gql('{ segments { id name size share medians { recencyDays frequency monetary } } }');
          else
            await gql('query ($id: ID!) { customer(id: $id) { id segment { name } value { clv } similarCustomers(limit: 10) { score customer { id } } } }', {
              id: customers[Math.floor(rng() * customers.length)],
            });
          times.push(performance.now() - t);
        }
      }),
    );
    return times;
  }

  const WATCHED_FIELDS = 'pendingChanges value { repeatPurchases } segment { id }';
  interface WatchedState {
    pendingChanges: number;
    value: { repeatPurchases: number | null };
    segment: { id: string } | null;
  }
  /**
   * Many customers, twenty to a request (aliases; the API allows 20 top-level fields), as a dashboard
   * showing a list of them would read them.
   */
  async function readMany(ids: readonly string[]): Promise<WatchedState[]> {
    const out: WatchedState[] = [];
    for (let start = 0; start < ids.length; start += 20) {
      const chunk = ids.slice(start, start + 20);
      const query = `query (${chunk.map((_, i) => `$c${i}: ID!`).join(', ')}) { ${chunk.map((_, i) => `c${i}: customer(id: $c${i}) { ${WATCHED_FIELDS} }`).join(' ')} }`;
      const data = await gql<Record<string, WatchedState>>(query, Object.fromEntries(chunk.map((id, i) => [`c${i}`, id])));
      out.push(...chunk.map((_, i) => data[`c${i}`]!));
    }
    return out;
  }
  interface Watched {
    customer: string;
    kind: string;
    answeredAt: number;
    /** For an order: repeat purchases before it. */
    before: number | null;
    visibleMs?: number;
  }

  try {
    // Baseline: the same readers on the idle server.
    let until = performance.now() + READ_SECONDS * 1000;
    const idleReads = await readers(() => performance.now() > until);

    const rng = mulberry32(11);
    const day = 86_400_000;
    const base = lastOrder.getTime() + day;
    // Random events fall before the last two days; watched orders on the last day, one per customer, so
    // each shows as one more repeat purchase.
    const latest = Math.min(Date.now(), base + 30 * day);
    const randomUntil = latest - 2 * day;
    const orderWatched = new Set<string>();
    let sent = 0;
    let failed = 0;
    const accepted: number[] = [];
    const watched: Watched[] = [];
    // One watcher for all: every POLL_MS, the customers still waiting are read in one request (a
    // watcher per customer would itself load the server more than the stream does).
    const waiting = new Set<Watched>();
    let streaming = true;
    const watcher = (async () => {
      while (streaming || waiting.size > 0) {
        const batch = [...waiting];
        const states = await readMany(batch.map((w) => w.customer));
        const now = performance.now();
        batch.forEach((w, i) => {
          const c = states[i]!;
          const orderShows = w.kind !== 'order' || (c.value.repeatPurchases !== null && c.value.repeatPurchases !== w.before);
          if (c.pendingChanges === 0 && c.segment && orderShows) w.visibleMs = now - w.answeredAt;
          if (w.visibleMs !== undefined || now - w.answeredAt > 120_000) waiting.delete(w);
        });
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();

    type Kind = 'order' | 'search' | 'review';
    const MUTATION: Record<Kind, string> = {
      order: 'mutation ($r: [OrderInput!]!) { upsertOrders(records: $r) { created } }',
      search: 'mutation ($r: [SearchInput!]!) { upsertSearches(records: $r) { created } }',
      review: 'mutation ($r: [ReviewInput!]!) { upsertReviews(records: $r) { created } }',
    };
    const event = (n: number) => {
      let customer = customers[Math.floor(rng() * customers.length)]!;
      const at = new Date(base + Math.floor(rng() * (randomUntil - base))).toISOString();
      const roll = rng();
      const kind: Kind = roll < 0.6 ? 'order' : roll < 0.85 ? 'search' : 'review';
      const product = products[Math.floor(rng() * products.length)]!;
      const id = `live-${n}`;
      const isWatched = n % SAMPLE === 0;
      if (isWatched && kind === 'order') {
        while (orderWatched.has(customer) && orderWatched.size < customers.length) customer = customers[Math.floor(rng() * customers.length)]!;
        orderWatched.add(customer);
      }
      const record =
        kind === 'order'
          ? {
              id,
              customerId: customer,
              placedAt: isWatched ? new Date(latest).toISOString() : at,
              items: [{ productId: product.externalId, quantity: 1 + Math.floor(rng() * 3), unitPrice: 5 + Math.floor(rng() * 50) }],
            }
          : kind === 'search'
            ? { id, customerId: customer, text: `${product.title} ${['deal', 'size guide', 'reviews', 'gift'][n % 4]} ${n}`, searchedAt: at }
            : { id, customerId: customer, productId: product.externalId, rating: 1 + (n % 5), text: texts[n % texts.length] ?? product.title, reviewedAt: at };
      return { kind, customer, record, isWatched };
    };
    // One tick's events, sent as one batch per kind (as a shop's event pipeline sends them).
    const sendTick = async (first: number, count: number) => {
      const events = Array.from({ length: count }, (_, j) => event(first + j));
      const watchedOrders = events.filter((e) => e.isWatched && e.kind === 'order');
      const states = await readMany(watchedOrders.map((e) => e.customer));
      const befores = events.map((e) => {
        const i = watchedOrders.indexOf(e);
        return i < 0 ? null : states[i]!.value.repeatPurchases;
      });
      await Promise.all(
        (['order', 'search', 'review'] as const).map(async (kind) => {
          const batch = events.map((e, j) => ({ e, before: befores[j]! })).filter(({ e }) => e.kind === kind);
          if (batch.length === 0) return;
          const t = performance.now();
          try {
            await gql(MUTATION[kind], { r: batch.map(({ e }) => e.record) });
            accepted.push(performance.now() - t);
            sent += batch.length;
            for (const { e, before } of batch.filter(({ e }) => e.isWatched)) {
              const w: Watched = { customer: e.customer, kind, answeredAt: performance.now(), before };
              watched.push(w);
              waiting.add(w);
            }
          } catch (error) {
            failed += batch.length;
            if (failed <= 30) console.error(`a batch of ${batch.length} ${kind}s failed: ${(error as Error).message}`);
          }
        }),
      );
    };

    const rssStart = rss();
    let readsDone = false;
    const busyReads = readers(() => readsDone);
    started = performance.now();
    const inflight: Promise<void>[] = [];
    // Paced: tick k leaves at k × TICK_MS (a late one goes at once: the rate is what was offered).
    const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
    for (let k = 0; k * perTick < RATE * SECONDS; k++) {
      const wait = started + k * TICK_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(sendTick(k * perTick, perTick));
    }
    await Promise.all(inflight);
    const streamSeconds = (performance.now() - started) / 1000;
    readsDone = true;
    const streamingReads = await busyReads;
    until = performance.now();
    streaming = false;
    await watcher;
    const rssEnd = rss();
    const visible = watched.filter((w) => w.visibleMs !== undefined).map((w) => w.visibleMs!);
    const backlog = await gql<{ health: { status: string } }>('{ health { status } }');

    console.log(
      `\nbench:live — demo shop of ${CUSTOMERS} (${DATABASE === 'postgresql' ? 'PostgreSQL' : 'PGlite'} + embedded store), ${os.cpus().length} cores, ${SECONDS} s at ${RATE} events/s offered\n`,
    );
    console.log('| events accepted | failed | achieved rate | batch answer p50 / p99 | watched | visible | visible p50 | p95 | p99 | max |');
    console.log('| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(
      `| ${sent} | ${failed} | ${(sent / streamSeconds).toFixed(0)}/s | ${quantile(accepted, 0.5).toFixed(0)} / ${quantile(accepted, 0.99).toFixed(0)} ms | ${watched.length} | ${visible.length} | ` +
        `${quantile(visible, 0.5).toFixed(0)} ms | ${quantile(visible, 0.95).toFixed(0)} ms | ${quantile(visible, 0.99).toFixed(0)} ms | ${Math.max(...visible).toFixed(0)} ms |`,
    );
    for (const kind of ['order', 'search', 'review']) {
      const v = watched.filter((w) => w.kind === kind && w.visibleMs !== undefined).map((w) => w.visibleMs!);
      console.log(`  ${kind}: ${v.length} watched, p50 ${quantile(v, 0.5).toFixed(0)} ms, p95 ${quantile(v, 0.95).toFixed(0)} ms`);
    }
    const busy = rounds.filter((r) => r.customers > 0);
    const stat = (f: (r: RoundLine) => number) => `${quantile(busy.map(f), 0.5).toFixed(0)} / ${quantile(busy.map(f), 0.95).toFixed(0)}`;
    console.log(`\n| live rounds | customers per round p50 / p95 | vectors ms p50 / p95 | values ms | feed + acknowledge ms | ms per customer p50 |`);
    console.log('| ---: | --- | --- | --- | --- | ---: |');
    console.log(
      `| ${busy.length} | ${stat((r) => r.customers)} | ${stat((r) => r.ms.vectors)} | ${stat((r) => r.ms.values)} | ${stat((r) => r.ms.feed + r.ms.acknowledge)} | ` +
        `${quantile(
          busy.map((r) => (r.ms.feed + r.ms.vectors + r.ms.values + r.ms.acknowledge) / r.customers),
          0.5,
        ).toFixed(1)} |`,
    );
    console.log(
      `\n(visibility includes up to ${POLL_MS} ms of polling; server health at the end: ${backlog.health.status}; server RSS ${rssStart.toFixed(0)} → ${rssEnd.toFixed(0)} MB)\n`,
    );
    console.log(`| dashboard reads (${READERS} clients) | requests | p50 | p99 |`);
    console.log('| --- | ---: | ---: | ---: |');
    console.log(
      `| idle server (baseline, ${READ_SECONDS} s) | ${idleReads.length} | ${quantile(idleReads, 0.5).toFixed(0)} ms | ${quantile(idleReads, 0.99).toFixed(0)} ms |`,
    );
    console.log(
      `| during the stream | ${streamingReads.length} | ${quantile(streamingReads, 0.5).toFixed(0)} ms | ${quantile(streamingReads, 0.99).toFixed(0)} ms |`,
    );
    console.log(
      `| ratio (stream ÷ idle) | | ${(quantile(streamingReads, 0.5) / quantile(idleReads, 0.5)).toFixed(2)} | ${(quantile(streamingReads, 0.99) / quantile(idleReads, 0.99)).toFixed(2)} |`,
    );
  } finally {
    server.kill('SIGTERM');
    // A server that does not stop on SIGTERM within 10 s is killed.
    const exited = server.exitCode !== null || server.signalCode !== null ? Promise.resolve() : new Promise((r) => server.once('exit', r));
    const late = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(late);
  }
} finally {
  await database.drop();
}
