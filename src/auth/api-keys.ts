// API keys: random secrets shown once, stored as sha256 hashes, each with a role. Roles nest:
// viewer (read segments) < marketer (+ audiences) < admin (+ every mutation).
import { LRUCache } from 'lru-cache';
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/database.js';

export const ROLES = ['VIEWER', 'MARKETER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { VIEWER: 1, MARKETER: 2, ADMIN: 3 };

export interface Principal {
  keyId: number;
  name: string;
  role: Role;
  /** How the audit log names this caller. */
  actor: string;
}

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
  private readonly cache: LRUCache<string, Principal | { none: true }>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cacheMs = 30_000,
  ) {
    // lru-cache reads ttl 0 as "never expires"; here 0 means no cache at all (every call asks).
    this.cache = new LRUCache({ max: 1000, ttl: Math.max(1, cacheMs) });
  }

  async create(name: string, role: Role): Promise<{ key: string; id: number; prefix: string }> {
    const key = `sk_${role.toLowerCase()}_${randomBytes(24).toString('base64url')}`;
    const prefix = key.slice(0, 14);
    const row = await this.prisma.apiKey.create({ data: { name, role, prefix, hash: hashKey(key) } });
    return { key, id: row.id, prefix };
  }

  async authenticate(key: string | undefined): Promise<Principal | undefined> {
    if (!key) return undefined;
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (cached) return 'none' in cached ? undefined : cached;
    const row = await this.prisma.apiKey.findUnique({ where: { hash } });
    const principal = row && !row.revokedAt ? { keyId: row.id, name: row.name, role: row.role, actor: `${row.name} (${row.prefix}…)` } : undefined;
    if (row && principal) await this.prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
    if (this.cacheMs > 0) this.cache.set(hash, principal ?? { none: true });
    return principal;
  }

  async revoke(id: number): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    this.cache.clear();
  }
}

/** The key from `Authorization: Bearer …` or `X-API-Key: …`. */
export function keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1] : undefined;
  const header = headers['x-api-key'];
  return bearer ?? (typeof header === 'string' ? header.trim() : undefined);
}
