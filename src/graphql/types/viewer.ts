import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum ApiRole {
  VIEWER = 'VIEWER',
  MARKETER = 'MARKETER',
  ADMIN = 'ADMIN',
}
registerEnumType(ApiRole, { name: 'ApiRole', description: 'VIEWER reads segments; MARKETER also builds audiences; ADMIN may do everything.' });

@ObjectType({ description: 'The caller, as its API key names it.' })
export class Viewer {
  @Field(() => String) name!: string;
  @Field(() => ApiRole) role!: ApiRole;
}
