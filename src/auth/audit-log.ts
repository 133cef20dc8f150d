// The audit log: every admin mutation records who, when, what, and the state before and after.
import type { PrismaClient } from '../db/database.js';
import { decodeCursor, toPage, type Page } from '../shared/paging.js';
import type { Principal } from './api-keys.js';

export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
}

const CURSOR_SCOPE = 'AUDIT';

export class AuditLog {
  constructor(private readonly prisma: PrismaClient) {}

  async record(principal: Principal, action: string, target: string | null, before: unknown, after: unknown): Promise<void> {
    await this.prisma.auditEntry.create({
      data: { actor: principal.actor, role: principal.role, action, target, before: toJson(before), after: toJson(after) },
    });
  }

  /** Entries newest first, optionally of one action, after a cursor of this list. */
  async list(options: { first: number; after?: string; action?: string }): Promise<Page<AuditRecord>> {
    const beforeId = options.after ? decodeCursor(options.after, CURSOR_SCOPE)[1] : undefined;
    const rows = await this.prisma.auditEntry.findMany({
      where: { ...(options.action ? { action: options.action } : {}), ...(beforeId !== undefined ? { id: { lt: beforeId } } : {}) },
      orderBy: { id: 'desc' },
      take: options.first + 1,
    });
    return toPage(rows, options.first, (r) => [CURSOR_SCOPE, r.id, r.id]);
  }
}

function toJson(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? undefined : typeof v === 'bigint' ? Number(v) : v))) as object;
}
