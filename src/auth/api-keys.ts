// API keys: random secrets shown once, stored as sha256 hashes, each with a role. Roles nest:
// viewer (read segments) < marketer (+ audiences) < admin (+ every mutation).
import { LRUCache } from 'lru-cache';
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/database.js';
import { log } from '../observability/log.js';

export const ROLES = ['VIEWER', 'MARKETER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { VIEWER: 1, MARKETER: 2, ADMIN: 3 };

export interface Principal {
  keyId: number;
  name: string;
  role: Role;
  /** How the audit log names this caller. */
  actor: string;
  /** When the key stops working (undefined: until revoked). */
  expiresAt?: Date;
}

/** A key as admins see it: never the secret, only its first characters. */
export interface ApiKeyRecord {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** What a presented key turned out to be. */
export type KeyCheck = { status: 'valid'; principal: Principal } | { status: 'unknown' | 'revoked' | 'expired' };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export class ApiKeys {
  /**
   * Recently seen keys (good and made-up alike), so a busy client does not cost a query per request.
   * Bounded, least recently used out first, so a flood of made-up keys cannot grow it without limit
   * nor push out the keys in use. `{ none: true }`: a key that is no key.
   */
  private readonly cache: LRUCache<string, KeyCheck>;
  /** Bumped whenever the cache is cleared (a revoke or an expiry change). */
  private generation = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cacheMs = 30_000,
  ) {
    // lru-cache reads ttl 0 as "never expires"; here 0 means no cache at all (every call asks).
    this.cache = new LRUCache({ max: 1000, ttl: Math.max(1, cacheMs) });
  }

  /** Last-use writes under way. */
  private readonly uses = new Set<Promise<void>>();

  async create(name: string, role: Role, options: { expiresAt?: Date } = {}): Promise<ApiKeyRecord & { key: string }> {
    const key = `sk_${role.toLowerCase()}_${randomBytes(24).toString('base64url')}`;
    const prefix = key.slice(0, 14);
    const row = await this.prisma.apiKey.create({ data: { name, role, prefix, hash: hashKey(key), expiresAt: options.expiresAt ?? null } });
    return { ...record(row), key };
  }

  /** Every key, newest first (revoked and expired ones too: the list is also their history). */
  async list(): Promise<ApiKeyRecord[]> {
    await this.settled();
    return (await this.prisma.apiKey.findMany({ orderBy: { id: 'desc' } })).map(record);
  }

  async get(id: number): Promise<ApiKeyRecord | undefined> {
    await this.settled();
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    return row ? record(row) : undefined;
  }

  /** Resolves once the last-use writes under way have landed (before the keys are read, and at close). */
  async settled(): Promise<void> {
    await Promise.all(this.uses);
  }

  private recordUse(id: number): void {
    const write = this.prisma.apiKey
      .update({ where: { id }, data: { lastUsedAt: new Date() } })
      .then(() => undefined)
      // A lost write of when a key was last used fails nothing: the next lookup writes it again.
      .catch((error: unknown) => log('auth').warn({ err: error, keyId: id }, 'could not record a key’s last use'));
    this.uses.add(write);
    void write.finally(() => this.uses.delete(write));
  }

  /** The principal of a valid key; undefined for no key and for a key that is not (now) valid. */
  async authenticate(key: string | undefined): Promise<Principal | undefined> {
    const check = await this.check(key);
    return check?.status === 'valid' ? check.principal : undefined;
  }

  /** What a presented key is: valid (with its principal), unknown, revoked or expired; undefined for none. */
  async check(key: string | undefined): Promise<KeyCheck | undefined> {
    if (!key) return undefined;
    const hash = hashKey(key);
    let found = this.cache.get(hash);
    if (!found) {
      // A revoke or expiry change while this lookup is under way clears the cache; what this lookup
      // read may be from before it, so it is then not cached (the next request reads again).
      const generation = this.generation;
      const row = await this.prisma.apiKey.findUnique({ where: { hash } });
      found = !row
        ? { status: 'unknown' }
        : row.revokedAt
          ? { status: 'revoked' }
          : {
              status: 'valid',
              principal: {
                keyId: row.id,
                name: row.name,
                role: row.role,
                actor: `${row.name} (${row.prefix}…)`,
                ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
              },
            };
      // Written beside the request, not before it: a key's first use after a start does not wait for
      // a write (reads of the keys wait for it: list, get, settled).
      if (found.status === 'valid' && !expired(found.principal)) this.recordUse(row!.id);
      if (this.cacheMs > 0 && generation === this.generation) this.cache.set(hash, found);
    }
    // Expiry is checked on every request, cached or not: a key stops at its time, not up to a cache later.
    if (found.status === 'valid' && expired(found.principal)) return { status: 'expired' };
    return found;
  }

  /** Revokes a key: refused from its next request in this process (others: within the cache's 30 s at most). */
  async revoke(id: number): Promise<ApiKeyRecord> {
    const row = await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    this.generation++;
    this.cache.clear();
    return record(row);
  }

  /** Sets (or, with null, removes) when a key stops working; a time already past expires it now. */
  async setExpiry(id: number, expiresAt: Date | null): Promise<ApiKeyRecord> {
    const row = await this.prisma.apiKey.update({ where: { id }, data: { expiresAt } });
    this.generation++;
    this.cache.clear();
    return record(row);
  }
}

/** Neither revoked nor past its expiry: requests with it are let in. */
export function isActive(key: Pick<ApiKeyRecord, 'revokedAt' | 'expiresAt'>, now = Date.now()): boolean {
  return !key.revokedAt && !(key.expiresAt && key.expiresAt.getTime() <= now);
}

function expired(principal: Principal): boolean {
  return principal.expiresAt !== undefined && principal.expiresAt.getTime() <= Date.now();
}

function record(row: ApiKeyRecord & { hash?: string }): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

/** The key from `Authorization: Bearer …` or `X-API-Key: …`. */
export function keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1] : undefined;
  const header = headers['x-api-key'];
  return bearer ?? (typeof header === 'string' ? header.trim() : undefined);
}
