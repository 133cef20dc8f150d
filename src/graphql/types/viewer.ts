import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum ApiRole {
  VIEWER = 'VIEWER',
  MARKETER = 'MARKETER',
  ADMIN = 'ADMIN',
}
/** The API's role of a principal's (the same names: a role added there without one here fails to compile). */
export const toApiRole = (role: `${ApiRole}`): ApiRole => ApiRole[role];
registerEnumType(ApiRole, { name: 'ApiRole', description: 'VIEWER reads segments; MARKETER also builds audiences; ADMIN may do everything.' });

@ObjectType({ description: 'The caller, as its API key names it.' })
export class Viewer {
  @Field(() => String) name!: string;
  @Field(() => ApiRole) role!: ApiRole;
}
