import type { AuthChecker } from 'type-graphql';
import { roleAllows, type Role } from '../auth/api-keys.js';
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-errors.js';
import type { GraphQLContext } from './context.js';

/** `@Authorized('MARKETER')`: a valid key whose role is at least the one named (VIEWER when none is). */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  if (!context.principal) throw new UnauthenticatedError('An API key is required (Authorization: Bearer <key>).');
  const needed = roles[0] ?? 'VIEWER';
  if (!roleAllows(context.principal.role, needed))
    throw new ForbiddenError(`This needs the ${needed.toLowerCase()} role; the key has ${context.principal.role.toLowerCase()}.`);
  return true;
};
