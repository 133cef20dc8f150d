// One place maps domain errors to GraphQL error codes. Resolvers throw domain errors and never
// build GraphQL errors themselves.
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError, UnauthenticatedError, UnavailableError } from '../errors/domain-errors.js';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export function createErrorFormatter(options: { exposeInternals: boolean; log: (error: unknown) => void }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    const stack = options.exposeInternals ? { stacktrace: formatted.extensions?.stacktrace } : {};

    if (original instanceof InputError) {
      const first = original.issues[0];
      return {
        ...base,
        message: original.message,
        extensions: {
          code: ErrorCode.BAD_USER_INPUT,
          ...(first ? { index: first.index, field: first.field } : {}),
          invalidRecords: original.issues,
          invalidRecordCount: original.totalIssues,
        },
      };
    }
    if (original instanceof UnauthenticatedError) return { ...base, message: original.message, extensions: { code: ErrorCode.UNAUTHENTICATED } };
    if (original instanceof ForbiddenError) return { ...base, message: original.message, extensions: { code: ErrorCode.FORBIDDEN } };
    if (original instanceof NotFoundError) return { ...base, message: original.message, extensions: { code: ErrorCode.NOT_FOUND } };
    if (original instanceof ConflictError) return { ...base, message: original.message, extensions: { code: ErrorCode.CONFLICT } };
    if (original instanceof UnavailableError || isDatabaseUnavailable(original)) {
      options.log(original);
      return {
        ...base,
        message: original instanceof UnavailableError ? original.message : 'The database is unavailable.',
        extensions: { code: ErrorCode.UNAVAILABLE, ...stack },
      };
    }
    // Errors graphql-js or Apollo raised themselves (parse, validation, variable coercion) already
    // carry a code and a safe message.
    if (original instanceof GraphQLError && formatted.extensions?.code && formatted.extensions.code !== 'INTERNAL_SERVER_ERROR') {
      return options.exposeInternals ? formatted : { ...base, extensions: { ...formatted.extensions, stacktrace: undefined } };
    }
    options.log(original);
    return {
      ...base,
      message: options.exposeInternals && original instanceof Error ? original.message : 'Internal server error.',
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...stack },
    };
  };
}
