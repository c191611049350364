import { Injectable } from '@nestjs/common';
import { PrismaService, type DatabaseTransaction } from '#database';

export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The live (unexpired) record for a tenant's key. */
  async find(tenantId: string, key: string, tx?: DatabaseTransaction): Promise<StoredResponse | null> {
    const row = await (tx ?? this.prisma.client).idempotencyKey.findFirst({
      where: { tenantId, key, expiresAt: { gt: new Date() } },
      select: { requestHash: true, responseStatus: true, responseBody: true },
    });
    return (
      row && { requestHash: row.requestHash, status: row.responseStatus, body: JSON.parse(row.responseBody) as unknown }
    );
  }

  /**
   * Records the response under the key, replacing an expired record. Returns false when a live record exists (a
   * concurrent request with the same key committed first), so the caller rolls back and answers from that one.
   */
  async save(
    tx: DatabaseTransaction,
    record: { tenantId: string; key: string; requestHash: string; status: number; body: object; expiresAt: Date },
  ): Promise<boolean> {
    const body = JSON.stringify(record.body);
    const written = await tx.$executeRaw`
      INSERT INTO idempotency_keys (tenant_id, key, request_hash, response_status, response_body, expires_at)
      VALUES (${record.tenantId}::uuid, ${record.key}, ${record.requestHash}, ${record.status}, ${body},
              ${record.expiresAt})
      ON CONFLICT (tenant_id, key) DO UPDATE SET
        request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
        response_body = EXCLUDED.response_body, created_at = CURRENT_TIMESTAMP, expires_at = EXCLUDED.expires_at
      WHERE idempotency_keys.expires_at <= CURRENT_TIMESTAMP`;
    return written === 1;
  }

  /** Deletes up to `limit` expired records; returns how many. */
  async deleteExpired(limit: number): Promise<number> {
    return this.prisma.client.$executeRaw`
      DELETE FROM idempotency_keys WHERE ctid IN (
        SELECT ctid FROM idempotency_keys WHERE expires_at <= CURRENT_TIMESTAMP LIMIT ${limit})`;
  }
}
