import type { CombinedError } from 'urql';

/** A GraphQL or network error, with its code, announced to screen readers. */
export function ErrorNote({ error }: { error: CombinedError | Error | string | undefined | null }) {
  if (!error) return null;
  const message =
    typeof error === 'string'
      ? error
      : 'graphQLErrors' in error && error.graphQLErrors.length
        ? error.graphQLErrors.map((e) => `${e.message}${e.extensions?.code ? ` (${String(e.extensions.code)})` : ''}`).join(' · ')
        : error.message;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}
