// `npm run bench:hostile`: malformed and hostile GraphQL requests against the running server (the demo
// shop, PGlite), BENCH_HOSTILE_REQUESTS in all (10,000 by default) spread over 21 kinds, 8 at a time.
// For every answer: was it a server error (HTTP 5xx), did it leak a stack trace, did every error carry
// an `extensions.code`; after the run, did any forbidden mutation take effect (customers, labels,
// runs, audit log unchanged). Also the time the 200-alias attack takes to be refused.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadDemoShop } from '../src/demo/demo-shop.js';
import { startTestApp } from '../test/support/app.js';
import { databaseTargets } from '../test/support/databases.js';

const TOTAL = Number(process.env.BENCH_HOSTILE_REQUESTS ?? 10_000);
const CONCURRENCY = 8;
const idle = { signal: new AbortController().signal, progress: () => {} };

interface Attempt {
  kind: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  query?: string;
}

// Keyless requests get the key's budget here: the bench measures how each hostile kind is answered, not the limit.
const app = await startTestApp(databaseTargets()[0]!, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' });
try {
  await loadDemoShop(app.services.ingest, { customers: 300, seed: 42 }, path.join(app.services.settings.dataDir, 'demo'));
  await (await app.services.indexer()).run(idle);
  await app.services.segments.run(idle, { k: 4, seed: 1 });
  const prisma = app.services.db.prisma;
  const segment = await prisma.segment.findFirstOrThrow({ where: { run: { active: true } } });
  const customer = await prisma.customer.findFirstOrThrow();
  /** What no refused request may change. */
  const state = async () => ({
    customers: await prisma.customer.count(),
    labels: JSON.stringify(await prisma.segment.findMany({ select: { id: true, label: true }, orderBy: { id: 'asc' } })),
    runs: await prisma.segmentationRun.count(),
    audit: await prisma.auditEntry.count(),
    keys: await prisma.apiKey.count(),
  });
  const before = await state();
  const json = (query: string, variables?: unknown) => JSON.stringify({ query, variables });
  const auth = (key: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });
  const viewer = auth(app.keys.viewer);
  const marketer = auth(app.keys.marketer);
  let inner = 'id';
  for (let d = 0; d < 5; d++) inner = `members(first: 1) { edges { node { customer { segment { ${inner} } } } } }`;
  const deep = `{ segments { ${inner} } }`;
  const aliases = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: segments { members(first: 500) { totalCount } }`).join(' ')} }`;
  const kinds: ((i: number) => Attempt)[] = [
    () => ({ kind: 'bad JSON', headers: viewer, body: '{"query": "{ segments { id } }"' }),
    () => ({ kind: 'wrong content type', headers: { ...viewer, 'content-type': 'text/plain' }, body: '{ segments { id } }' }),
    () => ({ kind: 'no key', headers: { 'content-type': 'application/json' }, body: json('{ segments { id } }') }),
    () => ({ kind: 'unknown key', headers: auth(`sk_${randomBytes(16).toString('hex')}`), body: json('{ segments { id } }') }),
    () => ({ kind: 'malformed Authorization', headers: { 'content-type': 'application/json', authorization: 'Basic ???' }, body: json('{ segments { id } }') }),
    () => ({
      kind: 'viewer: deleteCustomer',
      headers: viewer,
      body: json('mutation ($id: ID!) { deleteCustomer(id: $id) { id removed } }', { id: customer.externalId }),
    }),
    () => ({
      kind: 'viewer: relabelSegment',
      headers: viewer,
      body: json('mutation ($id: ID!) { relabelSegment(id: $id, name: "pwned") { id } }', { id: String(segment.id) }),
    }),
    () => ({ kind: 'marketer: runSegmentation', headers: marketer, body: json('mutation { runSegmentation(k: 3) { id } }') }),
    () => ({ kind: 'deep query', headers: viewer, body: json(deep) }),
    () => ({
      kind: 'fragment cycle',
      headers: viewer,
      body: json('query { segments { ...A } } fragment A on Segment { ...B } fragment B on Segment { ...A }'),
    }),
    () => ({ kind: 'bad variables', headers: viewer, body: json('query ($id: ID!) { segment(id: $id) { id } }', { id: { nested: true } }) }),
    () => ({
      kind: 'bad cursor',
      headers: viewer,
      body: json('query ($id: ID!) { segment(id: $id) { members(first: 5, after: "!!not-a-cursor") { totalCount } } }', { id: String(segment.id) }),
    }),
    (i) => ({
      kind: 'injection-shaped ids',
      headers: viewer,
      body: json('query ($id: ID!) { segment(id: $id) { id } }', {
        id: ['1; DROP TABLE customer;--', "' OR '1'='1", '1 UNION SELECT * FROM api_key', '$(rm -rf /)'][i % 4],
      }),
    }),
    () => ({
      kind: 'oversized page',
      headers: viewer,
      body: json('query ($id: ID!) { segment(id: $id) { members(first: 1000000) { totalCount } } }', { id: String(segment.id) }),
    }),
    () => ({
      kind: 'oversized seeds',
      headers: marketer,
      body: json('query ($s: [ID!]!) { lookalikeAudience(seeds: $s, size: 10) { size } }', { s: Array.from({ length: 50_000 }, (_, j) => `x${j}`) }),
    }),
    () => ({
      kind: 'oversized audience',
      headers: marketer,
      body: json('query ($s: [ID!]!) { lookalikeAudience(seeds: $s, size: 1000000000) { size } }', { s: [customer.externalId] }),
    }),
    () => ({ kind: 'oversized body', headers: viewer, body: json(`{ segments { id } } # ${'x'.repeat(70 * 1024 * 1024)}`) }),
    () => ({ kind: '200-alias attack', headers: viewer, body: json(aliases) }),
    () => ({ kind: 'unknown field', headers: viewer, body: json('{ segments { id passwordHash } }') }),
    () => ({ kind: 'mutation over GET', method: 'GET', headers: viewer, query: `?query=${encodeURIComponent('mutation { runSegmentation(k: 3) { id } }')}` }),
    () => ({ kind: 'empty query', headers: viewer, body: json('') }),
  ];
  // The oversized body is 70 MB: three of those say what a thousand would (and bodies are made as
  // they are sent, so only eight are in memory at once).
  const perKind = kinds.map((_, k) => (k === 16 ? 3 : Math.round(TOTAL / kinds.length)));
  const attempts: { make: (i: number) => Attempt; i: number }[] = [];
  kinds.forEach((make, k) => {
    for (let i = 0; i < perKind[k]!; i++) attempts.push({ make, i });
  });
  // Interleaved, as hostile traffic would be.
  attempts.sort((a, b) => a.i - b.i);
  interface KindStats {
    n: number;
    statuses: Map<number, number>;
    codes: Map<string, number>;
    server: number;
    stacks: number;
    uncoded: number;
    ms: number[];
  }
  const stats = new Map<string, KindStats>();
  let next = 0;
  const worker = async () => {
    while (next < attempts.length) {
      const { make, i } = attempts[next++]!;
      const a = make(i);
      const s: KindStats = stats.get(a.kind) ?? { n: 0, statuses: new Map(), codes: new Map(), server: 0, stacks: 0, uncoded: 0, ms: [] };
      stats.set(a.kind, s);
      const t = performance.now();
      const res = await fetch(app.server.url + (a.query ?? ''), {
        method: a.method ?? 'POST',
        headers: a.headers,
        body: a.method === 'GET' ? undefined : a.body,
      });
      const text = await res.text();
      s.ms.push(performance.now() - t);
      s.n++;
      s.statuses.set(res.status, (s.statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) s.server++;
      if (/\bat .+\.(js|ts):\d+/.test(text) || /"stacktrace"/.test(text)) s.stacks++;
      let errors: { extensions?: { code?: string } }[] = [];
      try {
        errors = (JSON.parse(text) as { errors?: typeof errors }).errors ?? [];
      } catch {
        errors = [{}];
      }
      for (const e of errors) {
        const code = e.extensions?.code;
        if (!code) s.uncoded++;
        else s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const after = await state();
  const forbidden = Object.keys(before).filter((k) => before[k as keyof typeof before] !== after[k as keyof typeof after]);

  console.log(
    `\n${attempts.length} hostile requests of ${kinds.length} kinds in ${seconds.toFixed(1)} s (${CONCURRENCY} at a time), PGlite, demo shop of 300\n`,
  );
  console.log('| kind | requests | HTTP status | codes | 5xx | stack traces | errors without code | p99 ms |');
  console.log('| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |');
  const total = { n: 0, server: 0, stacks: 0, uncoded: 0 };
  for (const [kind, s] of stats) {
    const p99 = [...s.ms].sort((a, b) => a - b)[Math.min(s.ms.length - 1, Math.floor(s.ms.length * 0.99))]!;
    console.log(
      `| ${kind} | ${s.n} | ${[...s.statuses].map(([st, c]) => `${st}×${c}`).join(' ')} | ${[...s.codes.keys()].join(', ')} | ${s.server} | ${s.stacks} | ${s.uncoded} | ${p99.toFixed(0)} |`,
    );
    total.n += s.n;
    total.server += s.server;
    total.stacks += s.stacks;
    total.uncoded += s.uncoded;
  }
  console.log(
    `\nIn all: ${total.n} requests, ${total.server} server errors, ${total.stacks} stack traces, ${total.uncoded} errors without a code; forbidden mutations that took effect: ${forbidden.length === 0 ? 'none' : forbidden.join(', ')}.`,
  );
  const alias = stats.get('200-alias attack')!;
  console.log(
    `The 200-alias attack: refused with ${[...alias.codes.keys()].join(', ')}, p99 ${[...alias.ms].sort((a, b) => a - b)[Math.floor(alias.ms.length * 0.99)]!.toFixed(0)} ms, max ${Math.max(...alias.ms).toFixed(0)} ms (target < 100 ms).`,
  );
  // The alias attack alone, one at a time (above it queued behind seven other hostile requests).
  const alone: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const res = await fetch(app.server.url, { method: 'POST', headers: viewer, body: json(aliases) });
    await res.text();
    alone.push(performance.now() - t);
  }
  alone.sort((a, b) => a - b);
  console.log(`Alone, 100 in a row: median ${alone[50]!.toFixed(0)} ms, p99 ${alone[98]!.toFixed(0)} ms, max ${alone[99]!.toFixed(0)} ms.`);
  if (total.server + total.stacks + total.uncoded > 0 || forbidden.length > 0) process.exitCode = 1;
} finally {
  await app.close();
}
