import type { Principal } from '../auth/api-keys.js';
import type { Services } from '../app/services.js';
import type { Loaders } from './loaders.js';

export type { Services };

export interface GraphQLContext {
  services: Services;
  /** The caller's API key, when one came with the request and is valid. */
  principal?: Principal;
  loaders: Loaders;
  /** The request's access-log record (the HTTP layer's): the operation and error codes are noted in it. */
  access?: { requestId: string; operation?: string; errorCodes: string[]; keyId?: number };
}

/** The context of a resolver behind @Authorized: the auth checker has let only a valid key through. */
export interface AuthenticatedContext extends GraphQLContext {
  principal: Principal;
}
