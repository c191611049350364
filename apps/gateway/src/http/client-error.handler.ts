import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problem } from './problem.js';

/**
 * Requests Node's HTTP parser refuses before any route runs (a header value with a control character, a malformed
 * request line, headers over the size limit) reach Fastify's `clientErrorHandler`, whose default body is not the
 * problem format. This answers them like every other error: a problem with a stable code, then the connection closes
 * (the parser cannot resync after such a request).
 */
const parserCodes: Record<string, { status: number; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'the request headers are too large' },
  HPE_INVALID_HEADER_TOKEN: {
    status: 400,
    code: 'MALFORMED_HEADER',
    detail: 'a header name or value holds a character HTTP does not allow (a control character, for example)',
  },
};

export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const known = (error.code && parserCodes[error.code]) || {
    status: 400,
    code: 'MALFORMED_REQUEST',
    detail: 'the request could not be parsed as HTTP/1.1',
  };
  const body = JSON.stringify(problem(known.status, known.code, known.detail));
  socket.end(
    `HTTP/1.1 ${known.status} ${known.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}
