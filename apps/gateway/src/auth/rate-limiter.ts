import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { RateLimitError } from './auth.errors.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per API key: RATE_LIMIT_BURST requests at once, refilled at RATE_LIMIT_PER_SECOND. Kept in each
 * gateway instance's memory, so N instances behind a balancer allow up to N times the rate; that bounds abuse of
 * one key without a shared store on the hot path.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  /** Takes one request from the key's bucket, or throws RateLimitError with the seconds until one is available. */
  consume(apiKeyId: string, now = Date.now()): void {
    const rate = this.config.RATE_LIMIT_PER_SECOND;
    const burst = this.config.RATE_LIMIT_BURST;
    const bucket = this.buckets.get(apiKeyId) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.buckets.set(apiKeyId, bucket);
      throw new RateLimitError(Math.max(1, Math.ceil((1 - bucket.tokens) / rate)));
    }
    bucket.tokens -= 1;
    if (!this.buckets.has(apiKeyId) && this.buckets.size >= 100_000) this.evictFull(now);
    this.buckets.set(apiKeyId, bucket);
  }

  /** Forgets buckets that have refilled completely: they hold no information. */
  private evictFull(now: number): void {
    const rate = this.config.RATE_LIMIT_PER_SECOND;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) / 1000) * rate >= this.config.RATE_LIMIT_BURST) this.buckets.delete(key);
    }
  }
}
