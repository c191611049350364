import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkBody, type CharacterViolation } from './character.policy.js';
import { RequestError, RequestErrorCode } from './request-validation.js';

export interface JsonBodyLimits {
  /** Limit for every route not listed in `perRoute`, in bytes. */
  defaultBytes: number;
  /** Larger (or smaller) limits by route URL pattern, e.g. `/v1/notes/batch`. */
  perRoute: Record<string, number>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON only: replaces Fastify's body parsers with one for `application/json` that reads the raw bytes, enforces the
 * route's size limit (413), refuses a charset other than UTF-8 (415) and bytes that are not valid UTF-8 (400 rather
 * than silently turning them into U+FFFD), then parses with Fastify's own JSON parser (prototype-poisoning checks
 * included). Any other content type finds no parser, which Fastify answers with 415.
 */
export function installJsonBodyParser(fastify: FastifyInstance, limits: JsonBodyLimits): void {
  const largest = Math.max(limits.defaultBytes, ...Object.values(limits.perRoute));
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: largest }, (request, raw, done) => {
    try {
      const body = raw as Buffer;
      const limit = limitFor(request, limits);
      if (body.length > limit) {
        throw new RequestError(
          RequestErrorCode.PAYLOAD_TOO_LARGE,
          `the request body is ${body.length} bytes; this endpoint accepts at most ${limit}`,
        );
      }
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) {
        throw new RequestError(
          RequestErrorCode.UNSUPPORTED_MEDIA_TYPE,
          `charset ${charset} is not supported: send application/json in UTF-8`,
          [{ field: 'Content-Type', detail: 'charset must be utf-8' }],
        );
      }
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        throw new RequestError(RequestErrorCode.INVALID_UTF8, 'the request body is not valid UTF-8');
      }
      void parseJson(request, text, (error, parsed) => {
        if (error) {
          done(
            new RequestError(RequestErrorCode.MALFORMED_JSON, `the request body is not valid JSON: ${error.message}`),
          );
        } else {
          // Valid UTF-8 can still carry characters no field may hold (NUL, or an unpaired surrogate spelt as a
          // JSON escape): the character policy names the first one with its field and offset.
          const violation = checkBody(parsed);
          if (violation === null) done(null, parsed);
          else done(invalidCharacter(violation));
        }
      });
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

export function invalidCharacter(violation: CharacterViolation): RequestError {
  return new RequestError(RequestErrorCode.INVALID_CHARACTER, `${violation.field}: ${violation.detail}`, [
    { field: violation.field, detail: violation.detail },
  ]);
}

function limitFor(request: FastifyRequest, limits: JsonBodyLimits): number {
  const route = request.routeOptions.url;
  return (route !== undefined ? limits.perRoute[route] : undefined) ?? limits.defaultBytes;
}
