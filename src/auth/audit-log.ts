// The audit log: every admin mutation records who, when, what, and the state before and after.
import type { PrismaClient } from '../db/database.js';
import type { Principal } from './api-keys.js';

export class AuditLog {
  constructor(private readonly prisma: PrismaClient) {}

  async record(principal: Principal, action: string, target: string | null, before: unknown, after: unknown): Promise<void> {
    await this.prisma.auditEntry.create({
      data: { actor: principal.actor, role: principal.role, action, target, before: toJson(before), after: toJson(after) },
    });
  }
}

function toJson(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? undefined : typeof v === 'bigint' ? Number(v) : v))) as object;
}
