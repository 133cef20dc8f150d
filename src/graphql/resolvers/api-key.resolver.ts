import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { isActive, type ApiKeyRecord } from '../../auth/api-keys.js';
import { InputError, NotFoundError } from '../../errors/domain-errors.js';
import type { AuthenticatedContext } from '../context.js';
import { numericId } from '../mappers.js';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from '../types/api-key.js';
import { toApiRole } from '../types/viewer.js';

const DAY_MS = 86_400_000;

/** Admins manage keys here (and in the dashboard) instead of with a shell on the server; each change is audited. */
@Resolver()
export class ApiKeyResolver {
  @Authorized('ADMIN')
  @Query(() => [ApiKey], { description: 'Every API key, newest first, revoked and expired ones included.' })
  async apiKeys(@Ctx() { services }: AuthenticatedContext): Promise<ApiKey[]> {
    return (await services.apiKeys.list()).map(toApiKey);
  }

  @Authorized('ADMIN')
  @Mutation(() => CreatedApiKey, { description: 'Creates a key; its secret is in the answer and never shown again.' })
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<CreatedApiKey> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 80)
      throw new InputError('name must be 1–80 characters', [{ index: -1, field: 'input.name', message: '1–80 characters' }]);
    const days = input.expiresInDays;
    if (days !== undefined && days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new InputError('expiresInDays must be a whole number from 1 to 3650', [{ index: -1, field: 'input.expiresInDays', message: 'from 1 to 3650' }]);
    }
    const created = await services.apiKeys.create(name, input.role, { expiresAt: days ? new Date(Date.now() + days * DAY_MS) : undefined });
    const { key, ...apiKey } = created;
    await services.audit.record(principal, 'createApiKey', `apiKey:${created.id}`, null, auditView(apiKey));
    return { key, apiKey: toApiKey(apiKey) };
  }

  @Authorized('ADMIN')
  @Mutation(() => ApiKey, { description: 'Revokes a key: its next request is refused with UNAUTHENTICATED. A key cannot revoke itself.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: AuthenticatedContext): Promise<ApiKey> {
    const keyId = numericId(id, 'id');
    const before = await existing(services.apiKeys.get(keyId), id);
    // Locking oneself out by a slip is easy and mending it needs a shell: another admin key must do it.
    if (keyId === principal.keyId) throw new InputError('a key cannot revoke itself', [{ index: -1, field: 'id', message: 'use another admin key' }]);
    const after = before.revokedAt ? before : await services.apiKeys.revoke(keyId);
    await services.audit.record(principal, 'revokeApiKey', `apiKey:${keyId}`, auditView(before), auditView(after));
    return toApiKey(after);
  }

  @Authorized('ADMIN')
  @Mutation(() => ApiKey, { description: 'Sets when a key stops working (a time already past expires it now); null: until revoked.' })
  async setApiKeyExpiry(
    @Arg('id', () => ID) id: string,
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt: Date | null,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<ApiKey> {
    const keyId = numericId(id, 'id');
    const before = await existing(services.apiKeys.get(keyId), id);
    if (before.revokedAt) throw new InputError('the key is revoked', [{ index: -1, field: 'id', message: 'a revoked key stays revoked' }]);
    if (keyId === principal.keyId) throw new InputError('a key cannot change its own expiry', [{ index: -1, field: 'id', message: 'use another admin key' }]);
    const after = await services.apiKeys.setExpiry(keyId, expiresAt ?? null);
    await services.audit.record(principal, 'setApiKeyExpiry', `apiKey:${keyId}`, auditView(before), auditView(after));
    return toApiKey(after);
  }
}

async function existing(found: Promise<ApiKeyRecord | undefined>, id: string): Promise<ApiKeyRecord> {
  const record = await found;
  if (!record) throw new NotFoundError(`No API key ${id}.`);
  return record;
}

function toApiKey(k: ApiKeyRecord): ApiKey {
  return { ...k, id: String(k.id), role: toApiRole(k.role), active: isActive(k) };
}

/** What the audit log keeps of a key: everything but the hash (the record never has the secret). */
function auditView(k: ApiKeyRecord) {
  return { name: k.name, role: k.role, prefix: k.prefix, expiresAt: k.expiresAt, revokedAt: k.revokedAt };
}
