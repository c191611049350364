import { Prisma } from './generated/prisma/client.js';

/** Driver-adapter error kinds that say the server could not be reached or dropped the connection. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/**
 * Prisma codes for the same: server unreachable (P1001), connect timed out (P1002), operation timed out (P1008),
 * server closed the connection (P1017), no pooled connection in time (P2024), a transaction that could not start or
 * whose connection went away (P2028).
 */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

/**
 * True when an error means "the database is not there right now" rather than "this request is wrong": the server
 * is down, restarting or shutting down (SQLSTATE class 57: operator intervention, e.g. 57P01, 57P03), the
 * connection failed (class 08), or no connection could be had. Such a request may simply be retried later; nothing
 * it asked for was committed (a transaction cut off before its commit is rolled back by the server).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return isDriverUnavailable(error);
  if (UNAVAILABLE_CODES.has(error.code)) return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: unknown; code?: unknown } } | undefined)?.cause;
  if (typeof cause?.kind === 'string' && UNREACHABLE_KINDS.has(cause.kind)) return true;
  return typeof cause?.code === 'string' && /^(57P0[1-3]|08)/.test(cause.code);
}

/** The same from `pg` itself (PrismaService.sql): a server error of those classes, or the socket failing. */
function isDriverUnavailable(error: unknown): boolean {
  // Shape, not `instanceof Error`: socket errors are made by Node's own realm, which need not be the caller's.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(57P0[1-3]|08|ECONNREFUSED$|ECONNRESET$|ETIMEDOUT$|EPIPE$)/.test(code)) return true;
  return typeof message === 'string' && /^Connection terminated/.test(message);
}
