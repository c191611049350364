import type { FastifyInstance, FastifyRequest } from 'fastify';
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
          // Valid UTF-8 bytes can still spell an unpaired surrogate as a JSON escape ("\ud800"): no UTF-8 text
          // (nor PostgreSQL) can hold it, so it is refused here with the field it is in.
          const field = illFormedStringAt(parsed, '');
          if (field === null) done(null, parsed);
          else {
            done(
              new RequestError(
                RequestErrorCode.INVALID_UTF8,
                'the request body holds a string that is not valid Unicode',
                [{ field: field || '/', detail: 'contains an unpaired surrogate escape' }],
              ),
            );
          }
        }
      });
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** JSON pointer of the first string (value or key) with an unpaired surrogate, or null when there is none. */
function illFormedStringAt(value: unknown, pointer: string): string | null {
  if (typeof value === 'string') return UNPAIRED_SURROGATE.test(value) ? pointer : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = illFormedStringAt(value[i], `${pointer}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (UNPAIRED_SURROGATE.test(key)) return at;
      const found = illFormedStringAt(child, at);
      if (found !== null) return found;
    }
  }
  return null;
}

function limitFor(request: FastifyRequest, limits: JsonBodyLimits): number {
  const route = request.routeOptions.url;
  return (route !== undefined ? limits.perRoute[route] : undefined) ?? limits.defaultBytes;
}
