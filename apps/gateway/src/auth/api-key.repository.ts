import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '#database';
import { OPERATOR, type Caller, type Role } from './principal.js';

export interface StoredApiKey {
  id: string;
  secretHash: string;
  /** Who the key speaks for once its secret is verified. */
  caller: Caller;
}

export interface ApiKeyRecord {
  id: string;
  role: Role;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export type OperatorKeyRecord = Omit<ApiKeyRecord, 'role'>;

const RECORD = { id: true, role: true, label: true, createdAt: true, revokedAt: true } as const;
const OPERATOR_RECORD = { id: true, label: true, createdAt: true, revokedAt: true } as const;

/** A tenant key's role: the database's CHECK (api_keys_operator_has_no_tenant) keeps operators out of tenants. */
function tenantRole(role: Role | typeof OPERATOR): Role {
  if (role === OPERATOR) throw new Error('an operator key is recorded under a tenant');
  return role;
}

/** Who a key speaks for: an operator exactly when it has no tenant (never one without the other). */
function callerOf(id: string, tenantId: string | null, role: Role | typeof OPERATOR): Caller {
  if (tenantId !== null) return { tenantId, apiKeyId: id, role: tenantRole(role) };
  if (role !== OPERATOR) throw new Error('a tenant key is recorded without a tenant');
  return { apiKeyId: id, role: OPERATOR };
}

/**
 * API keys of tenants and of platform operators, in one table: a tenant key names its tenant and a tenant role; an
 * operator key names no tenant (a CHECK constraint holds the two together). Tenant keys are only ever listed or
 * revoked by tenant, operator keys only as operator keys, so neither kind can reach the other.
 */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findActiveByKeyId(keyId: string): Promise<StoredApiKey | null> {
    const row = await this.prisma.client.apiKey.findFirst({
      where: { keyId, revokedAt: null },
      select: { id: true, tenantId: true, role: true, secretHash: true },
    });
    if (!row) return null;
    return { id: row.id, secretHash: row.secretHash, caller: callerOf(row.id, row.tenantId, row.role) };
  }

  /** Whether the key (by row id) exists and is not revoked: checked on every request a cached verification serves. */
  /** Read on every request of a cached key, so one plain indexed statement (a Prisma findFirst costs ~5x the CPU). */
  async isActive(id: string): Promise<boolean> {
    const rows = await this.prisma.sql.query(
      'SELECT 1 FROM api_keys WHERE id = $1::uuid AND revoked_at IS NULL',
      [id],
      'api-key-is-active',
    );
    return rows.length > 0;
  }

  async create(input: {
    tenantId: string;
    keyId: string;
    secretHash: string;
    role: Role;
    label: string;
  }): Promise<ApiKeyRecord> {
    const row = await this.prisma.client.apiKey.create({ data: { id: randomUUID(), ...input }, select: RECORD });
    return { ...row, role: tenantRole(row.role) };
  }

  createOperator(input: { keyId: string; secretHash: string; label: string }): Promise<OperatorKeyRecord> {
    return this.prisma.client.apiKey.create({
      data: { id: randomUUID(), tenantId: null, role: OPERATOR, ...input },
      select: OPERATOR_RECORD,
    });
  }

  async listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.prisma.client.apiKey.findMany({
      where: { tenantId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: RECORD,
    });
    return rows.map((row) => ({ ...row, role: tenantRole(row.role) }));
  }

  listOperators(): Promise<OperatorKeyRecord[]> {
    return this.prisma.client.apiKey.findMany({
      where: { tenantId: null, role: OPERATOR },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: OPERATOR_RECORD,
    });
  }

  /** Revokes a key of the tenant; false when the tenant has no such key (revoking twice is not an error). */
  revoke(tenantId: string, id: string): Promise<boolean> {
    return this.revokeWhere({ id, tenantId });
  }

  /** Revokes an operator key; false when there is no operator key with this id. */
  revokeOperator(id: string): Promise<boolean> {
    return this.revokeWhere({ id, tenantId: null, role: OPERATOR });
  }

  private async revokeWhere(where: { id: string; tenantId: string | null; role?: typeof OPERATOR }): Promise<boolean> {
    const key = await this.prisma.client.apiKey.findFirst({ where, select: { revokedAt: true } });
    if (!key) return false;
    if (!key.revokedAt) {
      await this.prisma.client.apiKey.updateMany({
        where: { ...where, revokedAt: null },
        data: { revokedAt: new Date() },
      });
    }
    return true;
  }
}
