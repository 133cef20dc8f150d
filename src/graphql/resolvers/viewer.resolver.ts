import { Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { toApiRole, Viewer } from '../types/viewer.js';

@Resolver()
export class ViewerResolver {
  @Query(() => Viewer, {
    nullable: true,
    description: 'Who the API key belongs to and its role; null without a valid key (clients use it to log in and to offer only what the role may do).',
  })
  viewer(@Ctx() { principal }: GraphQLContext): Viewer | null {
    return principal ? { name: principal.name, role: toApiRole(principal.role) } : null;
  }
}
