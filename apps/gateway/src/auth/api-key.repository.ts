import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '#database';
import type { Role } from './principal.js';

export interface StoredApiKey {
  id: string;
  tenantId: string;
  role: Role;
  secretHash: string;
}

export interface ApiKeyRecord {
  id: string;
  role: Role;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findActiveByKeyId(keyId: string): Promise<StoredApiKey | null> {
    const row = await this.prisma.client.apiKey.findFirst({
      where: { keyId, revokedAt: null },
      select: { id: true, tenantId: true, role: true, secretHash: true },
    });
    return row;
  }

  async create(input: {
    tenantId: string;
    keyId: string;
    secretHash: string;
    role: Role;
    label: string;
  }): Promise<ApiKeyRecord> {
    return this.prisma.client.apiKey.create({
      data: { id: randomUUID(), ...input },
      select: { id: true, role: true, label: true, createdAt: true, revokedAt: true },
    });
  }

  listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.prisma.client.apiKey.findMany({
      where: { tenantId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, role: true, label: true, createdAt: true, revokedAt: true },
    });
  }

  /** Revokes a key of the tenant; false when the tenant has no such key (revoking twice is not an error). */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const key = await this.prisma.client.apiKey.findFirst({ where: { id, tenantId }, select: { revokedAt: true } });
    if (!key) return false;
    if (!key.revokedAt) {
      await this.prisma.client.apiKey.updateMany({
        where: { id, tenantId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
    }
    return true;
  }
}
