// Errors the domain raises on purpose. The GraphQL layer maps each to an `extensions.code`
// (src/graphql/errors.ts); anything else is a bug and is reported as INTERNAL_SERVER_ERROR.

export interface FieldIssue {
  /** Position of the record in its batch (0-based), or -1 when the issue is about the whole input. */
  index: number;
  /** Path of the offending field, e.g. `records[17].items[0].quantity`. */
  field: string;
  message: string;
}

/** The caller sent something we will not accept; nothing was written. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly totalIssues = issues.length,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request clashes with work in progress (e.g. a second embedding job). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** A backing service (database, vector store) cannot be reached. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** No valid API key came with the request. */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

/** The key is valid but its role may not do this. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
