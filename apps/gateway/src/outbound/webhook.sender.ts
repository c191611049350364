import { Injectable } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { DestinationPolicy, type ResolvedAddress } from './destination.policy.js';

export interface WebhookPost {
  /** Sent as the User-Agent header, so receivers can tell what is calling. */
  userAgent: string;
  timeoutMs: number;
}

/** A lookup that answers only the addresses the policy checked: the connection cannot resolve the name again. */
function pinned(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

/**
 * POSTs JSON to URLs that tenants chose, only where DestinationPolicy allows: the host is resolved and checked for
 * each request and the connection goes to a checked address. TLS still verifies the certificate against the host
 * name (it stays the request's host and SNI name). Redirects are not followed: a 3xx is a failed delivery, as a
 * redirect could point anywhere.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly policy: DestinationPolicy) {}

  /** Resolves when the receiver answered 2xx; rejects with an OutboundError when the destination is refused. */
  async postJson(rawUrl: string, body: unknown, options: WebhookPost): Promise<void> {
    const { url, addresses } = await this.policy.resolve(rawUrl);
    const payload = Buffer.from(JSON.stringify(body));
    const status = await new Promise<number>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(payload.length),
            'user-agent': options.userAgent,
          },
          lookup: pinned(addresses),
          // A fresh connection each time: a pooled one may have been opened to an address checked for an earlier
          // request, before the name changed.
          agent: false,
          signal: AbortSignal.timeout(options.timeoutMs),
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('error', (err) =>
        reject(err.name === 'AbortError' ? new Error(`no answer within ${options.timeoutMs} ms`) : err),
      );
      request.end(payload);
    });
    if (status < 200 || status > 299) throw new Error(`webhook answered ${status}`);
  }
}
