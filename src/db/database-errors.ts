// Is this error the database being unreachable (down, restarting, refusing connections), rather than
// a bug or a bad request? Decided from the drivers' error types and codes, not from message text:
// Prisma's own errors, the driver adapter's error kinds, PostgreSQL's SQLSTATE classes and Node's
// socket error codes. The API answers such errors with UNAVAILABLE (retry later), never with a 500.
import { isDriverAdapterError, type DriverAdapterError } from '@prisma/driver-adapter-utils';
import { Prisma } from './generated/client.js';

/** Prisma engine codes for a database it cannot reach or lost (P1001 can't reach, P1002 timed out, P1008 operation timeout, P1017 connection closed, P2024 pool timeout). */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Driver adapter error kinds that mean the same. */
const ADAPTER_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
/** Node socket errors (node-postgres surfaces them as they are). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (PRISMA_UNREACHABLE.has(error.code)) return true;
    // A raw query's failure (P2010) carries the driver adapter's error in its meta.
    const adapterError = error.meta?.driverAdapterError;
    if (isDriverAdapterError(adapterError) && adapterErrorIsUnavailable(adapterError)) return true;
  }
  if (isDriverAdapterError(error) && adapterErrorIsUnavailable(error)) return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || isUnavailableSqlState(code))) return true;
  // PGlite, closing or closed, throws a plain Error with no code or type of its own: the one message match.
  if (error.message === 'PGlite is closed' || error.message === 'PGlite is closing') return true;
  return isDatabaseUnavailable(error.cause, depth + 1);
}

function adapterErrorIsUnavailable(error: DriverAdapterError): boolean {
  const cause = error.cause;
  return ADAPTER_UNREACHABLE.has(cause.kind) || (cause.kind === 'postgres' && isUnavailableSqlState(cause.code));
}

/** SQLSTATE class 08 (connection exception), 57P01–57P03 (shutting down, crashed, not yet accepting), 53300 (too many connections). */
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}
