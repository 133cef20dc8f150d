import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ApiRole } from './viewer.js';

@ObjectType({ description: 'An API key as admins see it: never the secret itself, only its first characters.' })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => ApiRole) role!: ApiRole;
  @Field(() => String, { description: 'The first characters of the key, to recognise it (e.g. "sk_admin_Ab12…").' }) prefix!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'The last request made with it (to within half a minute).' }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'It is refused from this time on; null: until revoked.' }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field(() => Boolean, { description: 'Neither revoked nor expired: requests with it are let in.' }) active!: boolean;
}

@InputType({ description: 'A new key: who it is for, what it may do, and optionally when it stops working.' })
export class CreateApiKeyInput {
  @Field(() => String, { description: '1–80 characters: who or what the key is for.' }) name!: string;
  @Field(() => ApiRole) role!: ApiRole;
  @Field(() => Int, { nullable: true, description: 'The key is refused after this many days (1–3650); unset: until revoked.' }) expiresInDays?: number;
}

@ObjectType({ description: 'A key just made: `key` is the secret, shown this once and never again (only its hash is stored).' })
export class CreatedApiKey {
  @Field(() => String) key!: string;
  @Field(() => ApiKey) apiKey!: ApiKey;
}
