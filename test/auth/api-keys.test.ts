// API keys against a real database (embedded PGlite; PostgreSQL too when TEST_DATABASE_URL names one):
// a key is shown once and stored only as its sha256, authenticates to its name and role until revoked,
// and recently seen keys (good or bad) are answered from a short cache instead of a query each.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiKeys, keyFromHeaders, roleAllows, ROLES, type Role } from '../../src/auth/api-keys.js';
import { projectRoot } from '../../src/config/settings.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { databaseTargets } from '../support/databases.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

for (const target of databaseTargets()) {
  describe(`API keys on ${target.name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;

    before(async () => {
      const created = await target.create();
      drop = () => created.drop();
      db = openDatabase(created.settings);
      await applyMigrations(db.adapter, path.join(projectRoot, 'prisma', 'migrations'));
    });
    after(async () => {
      await db.close();
      await drop();
    });

    /** Statements sent to the database while `fn` runs. */
    async function queriesDuring(fn: () => Promise<unknown>): Promise<number> {
      let n = 0;
      const stop = db.onQuery(() => n++);
      try {
        await fn();
      } finally {
        stop();
      }
      return n;
    }

    test('a new key carries its role, is shown once and stored only as its sha256 with a short prefix', async () => {
      const keys = new ApiKeys(db.prisma);
      for (const role of ROLES) {
        const created = await keys.create(`ci ${role}`, role);
        assert.match(created.key, new RegExp(`^sk_${role.toLowerCase()}_[A-Za-z0-9_-]{32}$`)); // 24 random bytes, base64url
        assert.equal(created.prefix, created.key.slice(0, 14));
        const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
        assert.deepEqual([row.name, row.role, row.prefix, row.hash], [`ci ${role}`, role, created.prefix, sha256(created.key)]);
        assert.equal(row.revokedAt, null);
        assert.equal(row.lastUsedAt, null);
        // The secret itself is nowhere in the row.
        assert.ok(!JSON.stringify(row).includes(created.key));
      }
      const twice = [await keys.create('same name', 'VIEWER'), await keys.create('same name', 'VIEWER')];
      assert.notEqual(twice[0]!.key, twice[1]!.key);
      assert.notEqual(twice[0]!.id, twice[1]!.id);
    });

    test('a good key authenticates to its name, role and an audit name; its last use is recorded', async () => {
      const keys = new ApiKeys(db.prisma);
      const { key, id, prefix } = await keys.create('reporting', 'MARKETER');
      const principal = await keys.authenticate(key);
      assert.deepEqual(principal, { keyId: id, name: 'reporting', role: 'MARKETER', actor: `reporting (${prefix}…)` });
      await keys.settled();
      const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
      assert.ok(row.lastUsedAt instanceof Date && Date.now() - row.lastUsedAt.getTime() < 60_000, String(row.lastUsedAt));
    });

    test('a key with an expiry works until then and is refused from then on, cached or not, without counting as a use', async () => {
      const keys = new ApiKeys(db.prisma);
      const soon = new Date(Date.now() + 300);
      const { key, id } = await keys.create('expiring', 'VIEWER', { expiresAt: soon });
      assert.equal((await keys.check(key))?.status, 'valid');
      await new Promise((r) => setTimeout(r, 400));
      assert.deepEqual(await keys.check(key), { status: 'expired' }, 'the cached principal expires too');
      assert.equal(await keys.authenticate(key), undefined);
      const before = (await db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
      const fresh = new ApiKeys(db.prisma);
      assert.deepEqual(await fresh.check(key), { status: 'expired' });
      assert.deepEqual((await db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt, before, 'a refused key is not "used"');
      // Expiry removed: it works again, at once, in the process that changed it.
      await keys.setExpiry(id, null);
      assert.equal((await keys.check(key))?.status, 'valid');
      assert.deepEqual(await keys.check('sk_viewer_never_issued_000000000000000000'), { status: 'unknown' });
      await keys.revoke(id);
      assert.deepEqual(await keys.check(key), { status: 'revoked' });
    });

    test('no key, an empty one, a made-up one or a key one character off is refused', async () => {
      const keys = new ApiKeys(db.prisma);
      const { key } = await keys.create('real', 'ADMIN');
      assert.equal(await keys.authenticate(undefined), undefined);
      assert.equal(await keys.authenticate(''), undefined);
      assert.equal(await keys.authenticate('sk_admin_made_up_0000000000000000000000'), undefined);
      const last = key.at(-1) === 'A' ? 'B' : 'A';
      assert.equal(await keys.authenticate(key.slice(0, -1) + last), undefined);
      assert.equal(await keys.authenticate(` ${key}`), undefined, 'keys are compared exactly (headers are trimmed before)');
      assert.equal((await keys.authenticate(key))?.role, 'ADMIN', 'the real key still works');
    });

    test('a revoked key is refused at once, even one this process had cached; other keys keep working', async () => {
      const keys = new ApiKeys(db.prisma, 60_000);
      const doomed = await keys.create('leaked', 'ADMIN');
      const kept = await keys.create('kept', 'VIEWER');
      assert.equal((await keys.authenticate(doomed.key))?.keyId, doomed.id); // now cached for a minute
      await keys.revoke(doomed.id);
      assert.equal(await keys.authenticate(doomed.key), undefined);
      const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: doomed.id } });
      assert.ok(row.revokedAt instanceof Date);
      assert.equal((await keys.authenticate(kept.key))?.keyId, kept.id);
      // A fresh instance (another process) reads the revocation from the database.
      assert.equal(await new ApiKeys(db.prisma).authenticate(doomed.key), undefined);
      await assert.rejects(keys.revoke(2_000_000_000), 'revoking a key that does not exist fails');
    });

    test('seen keys, good and bad, are answered from the cache until it expires', async () => {
      const keys = new ApiKeys(db.prisma, 60_000);
      const { key } = await keys.create('busy client', 'VIEWER');
      assert.ok((await queriesDuring(() => keys.authenticate(key))) >= 1);
      assert.equal(await queriesDuring(() => keys.authenticate(key)), 0, 'second use: no query');
      assert.equal((await keys.authenticate(key))?.name, 'busy client');
      const bogus = 'sk_viewer_not_a_real_key_at_all_000000000';
      assert.ok((await queriesDuring(() => keys.authenticate(bogus))) >= 1);
      assert.equal(await queriesDuring(() => keys.authenticate(bogus)), 0, 'a refused key is cached too');
      assert.equal(await keys.authenticate(bogus), undefined);
      // cacheMs 0: every call asks the database.
      const uncached = new ApiKeys(db.prisma, 0);
      await uncached.authenticate(key);
      assert.ok((await queriesDuring(() => uncached.authenticate(key))) >= 1);
    });

    test('the cache sees a revocation made elsewhere only once an entry expires', async () => {
      const keys = new ApiKeys(db.prisma, 300);
      const { key, id } = await keys.create('revoked by another process', 'ADMIN');
      assert.ok(await keys.authenticate(key));
      await db.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } }); // not through this instance
      assert.ok(await keys.authenticate(key), 'still cached');
      await new Promise((r) => setTimeout(r, 350));
      assert.equal(await keys.authenticate(key), undefined);
    });

    test('the cache is bounded at 1,000 keys, least recently used out first: a flood of made-up keys cannot grow it', async () => {
      const keys = new ApiKeys(db.prisma, 60_000);
      const { key } = await keys.create('steady', 'VIEWER');
      const { key: busy } = await keys.create('busy', 'VIEWER');
      await keys.authenticate(key);
      assert.equal(await queriesDuring(() => keys.authenticate(key)), 0);
      // 999 made-up keys, the busy key used between them: it stays in; the steady key, not used since, goes out.
      for (let i = 0; i < 999; i++) {
        await keys.authenticate(`sk_flood_${i}`);
        if (i % 100 === 0) await keys.authenticate(busy);
      }
      assert.equal(await queriesDuring(() => keys.authenticate(busy)), 0, 'the key in use stayed cached');
      let principal: unknown;
      assert.ok((await queriesDuring(async () => (principal = await keys.authenticate(key)))) >= 1, 'the idle key was looked up again');
      assert.ok(principal, 'and still works');
    });
  });
}

test('roles nest: viewer < marketer < admin', () => {
  assert.deepEqual([...ROLES], ['VIEWER', 'MARKETER', 'ADMIN']);
  const allowed = (have: Role) => ROLES.filter((need) => roleAllows(have, need));
  assert.deepEqual(allowed('VIEWER'), ['VIEWER']);
  assert.deepEqual(allowed('MARKETER'), ['VIEWER', 'MARKETER']);
  assert.deepEqual(allowed('ADMIN'), ['VIEWER', 'MARKETER', 'ADMIN']);
});

test('the key comes from Authorization: Bearer (any case, trimmed), else X-API-Key', () => {
  assert.equal(keyFromHeaders({ authorization: 'Bearer sk_a' }), 'sk_a');
  assert.equal(keyFromHeaders({ authorization: '  bearer   sk_a  ' }), 'sk_a');
  assert.equal(keyFromHeaders({ 'x-api-key': ' sk_b ' }), 'sk_b');
  assert.equal(keyFromHeaders({ authorization: 'Bearer sk_a', 'x-api-key': 'sk_b' }), 'sk_a', 'Bearer wins');
  assert.equal(keyFromHeaders({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'sk_b' }), 'sk_b', 'another scheme is not a key');
  assert.equal(keyFromHeaders({ authorization: 'Bearer ' }), undefined);
  assert.equal(keyFromHeaders({ 'x-api-key': ['sk_1', 'sk_2'] }), undefined, 'a repeated header is ambiguous: no key');
  assert.equal(keyFromHeaders({}), undefined);
});
